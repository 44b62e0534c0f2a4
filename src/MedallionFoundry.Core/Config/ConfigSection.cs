using System.Globalization;

namespace MedallionFoundry.Config;

/// <summary>
/// One mapping of the platform config (e.g. "platform.bronze"), read with typed getters whose errors
/// name the full key, the file and the line. Built from YAML or from cmdlet parameters.
/// Values are strings, nested <see cref="ConfigSection"/>s or lists of those.
/// </summary>
public sealed class ConfigSection
{
    readonly Dictionary<string, object?> _values;
    readonly Dictionary<string, int> _lines;

    public ConfigSection(string path, IDictionary<string, object?>? values = null, string? file = null,
        int? line = null, IDictionary<string, int>? lines = null, Func<string, string?>? environment = null)
    {
        Path = path;
        File = file;
        Line = line;
        _values = new Dictionary<string, object?>(values ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        _lines = new Dictionary<string, int>(lines ?? new Dictionary<string, int>(), StringComparer.Ordinal);
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

    public ConfigException Error(string key, string message) => new(message, KeyPath(key), File, LineOf(key));

    public object? Raw(string key) => _values.GetValueOrDefault(key);

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

    public bool? GetBool(string key)
    {
        var s = GetString(key);
        if (s is null) return null;
        return s.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(key, $"The key '{KeyPath(key)}' must be true or false, not '{s}'."),
        };
    }

    public int? GetInt(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = GetString(key);
        if (s is null) return null;
        if (!int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            throw Error(key, $"The key '{KeyPath(key)}' must be a whole number, not '{s}'.");
        if (n < min || n > max)
            throw Error(key, $"The key '{KeyPath(key)}' must be between {min} and {max}, not {n}.");
        return n;
    }

    public double? GetDouble(string key, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = GetString(key);
        if (s is null) return null;
        if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n))
            throw Error(key, $"The key '{KeyPath(key)}' must be a number, not '{s}'.");
        if (n < min || n > max)
            throw Error(key, $"The key '{KeyPath(key)}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {s}.");
        return n;
    }

    /// <summary>A duration in seconds ("30", "0.5") or with a unit ("500ms", "2s", "1m").</summary>
    public TimeSpan? GetDuration(string key)
    {
        var s = GetString(key)?.Trim().ToLowerInvariant();
        if (s is null) return null;
        var (number, scale) = s.EndsWith("ms") ? (s[..^2], 0.001)
            : s.EndsWith('s') ? (s[..^1], 1.0)
            : s.EndsWith('m') ? (s[..^1], 60.0)
            : (s, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsNaN(n))
            throw Error(key, $"The key '{KeyPath(key)}' must be a non-negative duration in seconds (or with ms/s/m), not '{s}'.");
        return TimeSpan.FromSeconds(n * scale);
    }

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
    /// returns the variable's value. The error names the key and the variable, never the value.
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


    static string Describe(object value) => value switch
    {
        ConfigSection => "mapping",
        System.Collections.IList => "list",
        _ => value.GetType().Name,
    };
}
