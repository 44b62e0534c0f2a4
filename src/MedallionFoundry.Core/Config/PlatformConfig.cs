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
        BackendName = bronze.String(SharedOptions.StorageBackend)!.Trim().ToLowerInvariant();
        if (BackendName.Length == 0)
            throw bronze.Error(SharedOptions.StorageBackend.Key, $"The key '{SharedOptions.StorageBackend.FullKey}' must not be empty.");
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

    /// <summary>Limits that keep a hostile or broken file (a "billion laughs" of aliases, thousands of
    /// nested brackets) from using gigabytes or overflowing the stack: far above any real config.</summary>
    public const int MaxDepth = 64;
    public const int MaxNodes = 100_000;
    public const long MaxFileBytes = 4L << 20;

    public static PlatformConfig Load(string path, Func<string, string?>? environment = null)
    {
        string text;
        try
        {
            if (new FileInfo(path) is { Exists: true, Length: > MaxFileBytes })
                throw new ConfigException($"The config file is larger than {MaxFileBytes >> 20} MiB; a platform config is a few kilobytes.", null, path);
            text = File.ReadAllText(path);
        }
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
            CheckShape(yaml, sourceName ?? "<yaml>");
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

        var budget = new NodeBudget(sourceName ?? "<yaml>");
        var top = (ConfigSection)Convert(root, "", sourceName, environment, budget)!;
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

    static PlatformConfig FromPlatform(ConfigSection platform, string? sourceFile = null)
    {
        var bronze = platform.GetSection("bronze", required: true)!;
        return new PlatformConfig(platform, bronze, sourceFile ?? platform.File);
    }

    /// <summary>A copy with one option set from a Connect-BronzeStorage parameter (which wins over the file).
    /// Errors about it then name the parameter.</summary>
    public PlatformConfig With(OptionDeclaration option, string? value, string parameter, Func<string, string?> environment) =>
        new(Platform.With(option.Section, option.Key, value, parameter, environment), SourceFile, BaseDirectory);

    /// <summary>The same platform with another section as its bronze section (a mirror target), sharing the connection sections.</summary>
    internal PlatformConfig WithBronze(ConfigSection bronze) =>
        new(Platform.With(Platform.Path, "bronze", bronze, null, Platform.Environment), SourceFile, BaseDirectory);

    PlatformConfig(ConfigSection platform, string? sourceFile, string baseDirectory)
        : this(platform, platform.GetSection("bronze", required: true)!, sourceFile)
    {
        BaseDirectory = baseDirectory;
    }

    static bool ReadEnabled(ConfigSection bronze)
    {
        var preferred = bronze.IsSet(SharedOptions.StorageEnabled) ? bronze.Bool(SharedOptions.StorageEnabled) : null;
        var legacy = bronze.Bool(SharedOptions.S3Enabled);
        if (preferred is not null && legacy is not null && preferred != legacy)
            throw bronze.Error(SharedOptions.S3Enabled.Key,
                $"The keys '{SharedOptions.StorageEnabled.FullKey}' and '{SharedOptions.S3Enabled.FullKey}' disagree; keep only {SharedOptions.StorageEnabled.Key}.");
        return preferred ?? legacy ?? true;
    }

    /// <summary>Walks the parser's events (no recursion, nothing built) and refuses a file nested deeper than
    /// <see cref="MaxDepth"/> or with more than <see cref="MaxNodes"/> nodes, before the tree is built.</summary>
    static void CheckShape(string yaml, string file)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        int depth = 0, nodes = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                        throw new ConfigException($"The file nests mappings or lists deeper than {MaxDepth} levels.", null, file, (int)parser.Current.Start.Line);
                    nodes++;
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
                case YamlDotNet.Core.Events.Scalar or YamlDotNet.Core.Events.AnchorAlias:
                    nodes++;
                    break;
            }
            if (nodes > MaxNodes)
                throw new ConfigException($"The file has more than {MaxNodes} values; a platform config has a few dozen.", null, file, (int)parser.Current!.Start.Line);
        }
    }

    /// <summary>Counts the values built, aliases expanded: a few anchors referring to each other can stand for billions.</summary>
    sealed class NodeBudget(string file)
    {
        int _used;

        public void Take(YamlNode node)
        {
            if (++_used > MaxNodes)
                throw new ConfigException($"The file expands to more than {MaxNodes} values through its aliases (*name); a platform config needs none of that.", null, file, (int)node.Start.Line);
        }
    }

    static object? Convert(YamlNode node, string path, string? file, Func<string, string?>? environment, NodeBudget budget)
    {
        budget.Take(node);
        switch (node)
        {
            case YamlScalarNode scalar:
                var isPlainNull = scalar.Style == ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");
                return isPlainNull ? null : scalar.Value;
            case YamlSequenceNode sequence:
                return sequence.Children.Select((child, i) => Convert(child, $"{path}[{i}]", file, environment, budget)).ToList();
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
                    values[key] = Convert(valueNode, childPath, file, environment, budget);
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
