using MedallionFoundry.Config;

namespace MedallionFoundry.Backends;

/// <summary>
/// What a custom backend receives: the typed values of the options it declared (defaults applied,
/// validated by the binder; an EnvVarName option holds the variable's value), not the whole platform
/// config. Keys are the option keys; values are string, int, double, bool, TimeSpan or long.
/// </summary>
public sealed class BackendSettings
{
    readonly Dictionary<string, object?> _values;

    BackendSettings(string backendName, string baseDirectory, Dictionary<string, object?> values)
    {
        BackendName = backendName;
        BaseDirectory = baseDirectory;
        _values = values;
    }

    public string BackendName { get; }

    /// <summary>The folder relative paths are meant against (the PowerShell location of Connect-BronzeStorage).</summary>
    public string BaseDirectory { get; }

    public IReadOnlyDictionary<string, object?> Values => _values;

    /// <summary>The typed value of a declared option; null when it is absent and has no default.</summary>
    public T? Get<T>(string key) => _values.TryGetValue(key, out var value) && value is T typed ? typed : default;

    public string? GetString(string key) => Get<string>(key);

    /// <summary>Reads every option the descriptor declares (not the shared ones) through the binder.</summary>
    public static BackendSettings From(PlatformConfig config, BackendDescriptor descriptor)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in descriptor.Options)
        {
            var value = OptionValues.Read(config.Platform, option);
            if (option.Type == OptionType.Path && value is string path) value = Path.GetFullPath(path, config.BaseDirectory);
            values[option.Key] = value;
        }
        return new BackendSettings(descriptor.Name, config.BaseDirectory, values);
    }

    /// <summary>Names the options, never their values (some are secrets).</summary>
    public override string ToString() => $"{BackendName}: {string.Join(", ", _values.Keys)}";
}
