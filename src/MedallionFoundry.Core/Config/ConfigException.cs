namespace MedallionFoundry.Config;

/// <summary>A configuration problem. The message names the key (and the file and line when known).</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message, string? key = null, string? file = null, int? line = null, Exception? inner = null, string? parameter = null)
        : base(Compose(message, file, line), inner)
    {
        Key = key;
        Parameter = parameter;
        File = file;
        Line = line;
    }

    /// <summary>Dotted key the problem is about, e.g. "platform.bronze.s3_bucket".</summary>
    public string? Key { get; }

    /// <summary>The Connect-BronzeStorage parameter the bad value came from, without the dash.</summary>
    public string? Parameter { get; }

    public string? File { get; }

    public int? Line { get; }

    static string Compose(string message, string? file, int? line)
    {
        if (file is null) return message;
        return line is null ? $"{file}: {message}" : $"{file}:{line}: {message}";
    }
}
