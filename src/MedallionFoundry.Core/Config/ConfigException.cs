namespace MedallionFoundry.Config;

/// <summary>A configuration problem. The message names the key (and the file and line when known).</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message, string? key = null, string? file = null, int? line = null, Exception? inner = null)
        : base(Compose(message, file, line), inner)
    {
        Key = key;
        File = file;
        Line = line;
    }

    /// <summary>Dotted key the problem is about, e.g. "platform.bronze.s3_bucket".</summary>
    public string? Key { get; }

    public string? File { get; }

    public int? Line { get; }

    static string Compose(string message, string? file, int? line)
    {
        if (file is null) return message;
        return line is null ? $"{file}: {message}" : $"{file}:{line}: {message}";
    }
}
