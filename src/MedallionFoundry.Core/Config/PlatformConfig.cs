using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MedallionFoundry.Config;

/// <summary>
/// The platform config of the seed: a YAML file with <c>platform:</c> at the top, its
/// <c>bronze</c> section choosing the backend, and connection sections such as <c>s3_connection</c>.
/// </summary>
public sealed class PlatformConfig
{
    public const string DefaultBackend = "s3";

    PlatformConfig(ConfigSection platform, ConfigSection bronze, string? sourceFile)
    {
        Platform = platform;
        Bronze = bronze;
        SourceFile = sourceFile;
        BackendName = (bronze.GetString("storage_backend") ?? DefaultBackend).Trim().ToLowerInvariant();
        if (BackendName.Length == 0)
            throw bronze.Error("storage_backend", "The key 'platform.bronze.storage_backend' must not be empty.");
        StorageEnabled = ReadEnabled(bronze);
    }

    /// <summary>The whole "platform" mapping.</summary>
    public ConfigSection Platform { get; }

    /// <summary>"platform.bronze".</summary>
    public ConfigSection Bronze { get; }

    /// <summary>Lower-case backend name from platform.bronze.storage_backend ("s3" when absent).</summary>
    public string BackendName { get; }

    /// <summary>storage_enabled (preferred) or the older s3_enabled; true when neither is given.</summary>
    public bool StorageEnabled { get; }

    public string? SourceFile { get; }

    /// <summary>Folder that relative local paths (local_path) are resolved against. The cmdlets set it
    /// to the PowerShell location, which is not always the process's current directory.</summary>
    public string BaseDirectory { get; set; } = Environment.CurrentDirectory;

    /// <summary>A section beside bronze, e.g. Section("s3_connection").</summary>
    public ConfigSection? Section(string name, bool required = false) => Platform.GetSection(name, required);

    public static PlatformConfig Load(string path, Func<string, string?>? environment = null)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (FileNotFoundException) { throw new ConfigException($"The config file '{path}' does not exist.", null, path); }
        catch (DirectoryNotFoundException) { throw new ConfigException($"The config file '{path}' does not exist.", null, path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        { throw new ConfigException($"The config file '{path}' cannot be read: {ex.Message}", null, path); }
        return Parse(text, path, environment);
    }

    /// <summary>Parses YAML text; <paramref name="sourceName"/> is used in error messages.</summary>
    public static PlatformConfig Parse(string yaml, string? sourceName = null, Func<string, string?>? environment = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Split('\n')[0];
            var simplified = System.Text.RegularExpressions.Regex.Replace(reason, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "");
            var line = (int)ex.Start.Line;
            if (simplified.Contains("tab", StringComparison.OrdinalIgnoreCase))
                line = FirstLineIndentedWithTab(yaml) ?? line; // YamlDotNet reports where the mapping starts
            throw new ConfigException($"The file is not valid YAML: {simplified}", null, sourceName ?? "<yaml>", line);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException("The config must be a YAML mapping with 'platform:' at the top.", "platform", sourceName ?? "<yaml>", 1);

        var top = (ConfigSection)Convert(root, "", sourceName, environment)!;
        var platform = top.GetSection("platform")
            ?? throw new ConfigException("The key 'platform' is required at the top of the config.", "platform", sourceName, 1);
        return FromPlatform(platform);
    }

    /// <summary>Builds a config from values given as cmdlet parameters (no file involved).</summary>
    public static PlatformConfig FromValues(IDictionary<string, object?> bronze, IDictionary<string, IDictionary<string, object?>>? sections = null,
        Func<string, string?>? environment = null)
    {
        var platformValues = new Dictionary<string, object?>
        {
            ["bronze"] = new ConfigSection("platform.bronze", bronze, environment: environment),
        };
        foreach (var (name, values) in sections ?? new Dictionary<string, IDictionary<string, object?>>())
            platformValues[name] = new ConfigSection($"platform.{name}", values, environment: environment);
        return FromPlatform(new ConfigSection("platform", platformValues, environment: environment));
    }

    static PlatformConfig FromPlatform(ConfigSection platform)
    {
        var bronze = platform.GetSection("bronze", required: true)!;
        return new PlatformConfig(platform, bronze, platform.File);
    }

    static bool ReadEnabled(ConfigSection bronze)
    {
        var preferred = bronze.GetBool("storage_enabled");
        var legacy = bronze.GetBool("s3_enabled");
        if (preferred is not null && legacy is not null && preferred != legacy)
            throw bronze.Error("s3_enabled",
                "The keys 'platform.bronze.storage_enabled' and 'platform.bronze.s3_enabled' disagree; keep only storage_enabled.");
        return preferred ?? legacy ?? true;
    }

    static object? Convert(YamlNode node, string path, string? file, Func<string, string?>? environment)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                var isPlainNull = scalar.Style == ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");
                return isPlainNull ? null : scalar.Value;
            case YamlSequenceNode sequence:
                return sequence.Children.Select((child, i) => Convert(child, $"{path}[{i}]", file, environment)).ToList();
            case YamlMappingNode mapping:
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                var lines = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                        throw new ConfigException($"Keys under '{DisplayPath(path)}' must be plain names.", path, file, (int)keyNode.Start.Line);
                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    if (values.ContainsKey(key))
                        throw new ConfigException($"The key '{childPath}' appears twice.", childPath, file, (int)keyNode.Start.Line);
                    values[key] = Convert(valueNode, childPath, file, environment);
                    lines[key] = (int)keyNode.Start.Line;
                }
                return new ConfigSection(path, values, file, (int)mapping.Start.Line, lines, environment);
            default:
                return null;
        }
    }

    static int? FirstLineIndentedWithTab(string yaml)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            if (lines[i][..indent].Contains('\t')) return i + 1;
        }
        return null;
    }

    static string DisplayPath(string path) => path.Length == 0 ? "the top of the file" : path;
}
