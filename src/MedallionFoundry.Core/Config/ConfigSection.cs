namespace MedallionFoundry.Config;

/// <summary>
/// One mapping of the platform config (e.g. "platform.bronze"), read with typed getters whose errors
/// name the full key, the file and the line (or, for a value given as a Connect-BronzeStorage
/// parameter, the parameter). Built from YAML or from cmdlet parameters.
/// Values are strings, nested <see cref="ConfigSection"/>s or lists of those.
/// </summary>
public sealed class ConfigSection
{
    readonly Dictionary<string, object?> _values;
    readonly Dictionary<string, int> _lines;
    readonly Dictionary<string, string> _parameters;

    public ConfigSection(string path, IDictionary<string, object?>? values = null, string? file = null,
        int? line = null, IDictionary<string, int>? lines = null, Func<string, string?>? environment = null,
        IDictionary<string, string>? parameters = null)
    {
        Path = path;
        File = file;
        Line = line;
        _values = new Dictionary<string, object?>(values ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        _lines = new Dictionary<string, int>(lines ?? new Dictionary<string, int>(), StringComparer.Ordinal);
        _parameters = new Dictionary<string, string>(parameters ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        Environment = environment ?? System.Environment.GetEnvironmentVariable;
    }

    /// <summary>Dotted path of this section, e.g. "platform.s3_connection".</summary>
    public string Path { get; }

    public string? File { get; }

    public int? Line { get; }

    /// <summary>Where environment variables are read from (replaceable in tests).</summary>
    public Func<string, string?> Environment { get; }

    public IEnumerable<string> Keys => _values.Keys;

    public bool Has(string key) => _values.ContainsKey(key) && _values[key] is not null;

    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public int? LineOf(string key) => _lines.TryGetValue(key, out var l) ? l : Line;

    /// <summary>The Connect-BronzeStorage parameter a value came from ("MaxAttempts"); null for a YAML value.</summary>
    public string? ParameterOf(string key) => _parameters.GetValueOrDefault(key);

    /// <summary>An error about one key: names the key, and the file and line or the parameter it came from.</summary>
    public ConfigException Error(string key, string message)
    {
        if (ParameterOf(key) is { } parameter)
            return new ConfigException($"{message} (given as -{parameter})", KeyPath(key), parameter: parameter);
        return new ConfigException(message, KeyPath(key), File, LineOf(key));
    }

    public object? Raw(string key) => _values.GetValueOrDefault(key);

    /// <summary>The section at a dotted path at or below this one ("platform.bronze.retry"); null when absent.</summary>
    public ConfigSection? Find(string path)
    {
        if (path == Path) return this;
        var start = Path.Length == 0 ? 0 : Path.Length + 1;
        if (Path.Length > 0 && !path.StartsWith(Path + ".", StringComparison.Ordinal)) return null;
        var section = this;
        foreach (var name in path[start..].Split('.'))
        {
            section = section.GetSection(name);
            if (section is null) return null;
        }
        return section;
    }

    /// <summary>A copy with one value set (by a parameter) at a dotted path below this section; missing sections are created.</summary>
    public ConfigSection With(string sectionPath, string key, object? value, string? parameter, Func<string, string?> environment)
    {
        var values = new Dictionary<string, object?>(_values, StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(_parameters, StringComparer.Ordinal);
        if (sectionPath == Path)
        {
            values[key] = value;
            if (parameter is null) parameters.Remove(key);
            else parameters[key] = parameter;
        }
        else
        {
            var childName = sectionPath[(Path.Length == 0 ? 0 : Path.Length + 1)..].Split('.')[0];
            var child = Raw(childName) as ConfigSection ?? new ConfigSection(KeyPath(childName), file: File, line: LineOf(childName), environment: environment);
            values[childName] = child.With(sectionPath, key, value, parameter, environment);
        }
        return new ConfigSection(Path, values, File, Line, _lines, environment, parameters);
    }

    /// <summary>A scalar string; null when absent (or an error naming the key when required).</summary>
    public string? GetString(string key, bool required = false)
    {
        var value = Raw(key);
        switch (value)
        {
            case null when required:
                throw new ConfigException($"The key '{KeyPath(key)}' is required.", KeyPath(key), File, Line);
            case null:
                return null;
            case string s when required && s.Trim().Length == 0:
                throw Error(key, $"The key '{KeyPath(key)}' must not be empty.");
            case string s:
                return s;
            default:
                throw Error(key, $"The key '{KeyPath(key)}' must be a single value, not a {Describe(value)}.");
        }
    }

    public bool? GetBool(string key) => GetString(key) is { } text ? OptionValues.ParseBool(this, key, text, sensitive: false) : null;

    public int? GetInt(string key, int min = int.MinValue, int max = int.MaxValue) =>
        GetString(key) is { } text ? (int)OptionValues.ParseWhole(this, key, text, min, max, sensitive: false) : null;

    public double? GetDouble(string key, double min = double.MinValue, double max = double.MaxValue) =>
        GetString(key) is { } text ? OptionValues.ParseNumber(this, key, text, min, max, minExclusive: false, sensitive: false) : null;

    /// <summary>A duration in seconds ("30", "0.5") or with a unit ("500ms", "2s", "1m", "1h").</summary>
    public TimeSpan? GetDuration(string key) =>
        GetString(key) is { } text ? OptionValues.ParseDuration(this, key, text, 0, OptionValues.MaxDurationSeconds, minExclusive: false) : null;

    /// <summary>A nested mapping; null when absent (or an error naming it when required).</summary>
    public ConfigSection? GetSection(string key, bool required = false)
    {
        var value = Raw(key);
        return value switch
        {
            null when required => throw new ConfigException($"The section '{KeyPath(key)}' is required.", KeyPath(key), File, Line),
            null => null,
            ConfigSection section => section,
            _ => throw Error(key, $"The key '{KeyPath(key)}' must be a mapping of keys, not a {Describe(value)}."),
        };
    }

    /// <summary>
    /// Reads a key that names an environment variable (e.g. access_key_env: BRONZE_S3_ACCESS_KEY) and
    /// returns the variable's value. Errors name the key and the variable, never the value.
    /// </summary>
    public string? GetFromEnvironment(string key, bool required = false)
    {
        var variable = GetString(key, required);
        if (variable is null) return null;
        var value = Environment(variable.Trim());
        if (string.IsNullOrEmpty(value))
            throw Error(key, $"The key '{KeyPath(key)}' names the environment variable '{variable}', which is not set.");
        return value;
    }

    /// <summary>The variable a *_env key names, for messages about its value ("the variable 'X' named by 'key'").</summary>
    public string DescribeVariable(string key) =>
        ParameterOf(key) is { } parameter ? $"the value of -{parameter}" : $"the environment variable '{GetString(key)?.Trim()}' named by '{KeyPath(key)}'";

    internal static string Describe(object value) => value switch
    {
        ConfigSection => "mapping",
        System.Collections.IList => "list",
        _ => value.GetType().Name,
    };
}
