using System.Collections;
using MedallionFoundry.Backends;
using MedallionFoundry.Config;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// Builds the $Config a script backend's operations receive: the keys of platform.bronze, then the
/// keys of the backend's own section platform.&lt;name&gt; (which win), then the typed values of its
/// declared options (Int as int, Bool as bool, Duration as TimeSpan, Size as long, Path made absolute,
/// EnvVarName as the variable's value), plus base_directory (the
/// folder relative paths are meant against: the PowerShell location of Connect-BronzeStorage).
/// Nested sections become hashtables, lists become arrays; keys are case-insensitive.
/// </summary>
internal static class ScriptConfigTable
{
    public const string BaseDirectoryKey = "base_directory";

    /// <param name="settings">The typed values of the declared options; they win over the raw keys.</param>
    public static Hashtable Build(string backendName, PlatformConfig config, BackendSettings? settings = null)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        Merge(table, config.Bronze);
        var sectionName = config.Platform.Keys.FirstOrDefault(k => string.Equals(k, backendName, StringComparison.OrdinalIgnoreCase));
        if (sectionName is not null && config.Platform.GetSection(sectionName) is { } own)
            Merge(table, own);
        foreach (var (key, value) in settings?.Values ?? new Dictionary<string, object?>())
            if (value is not null || !table.ContainsKey(key)) table[key] = value;
        table[BaseDirectoryKey] = config.BaseDirectory;
        return table;
    }

    /// <summary>A copy for one call, so a script that changes its $Config does not affect the next call.</summary>
    public static Hashtable CopyOf(Hashtable table)
    {
        var copy = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in table)
            copy[entry.Key] = entry.Value is Hashtable nested ? CopyOf(nested) : entry.Value;
        return copy;
    }

    static void Merge(Hashtable table, ConfigSection section)
    {
        foreach (var key in section.Keys)
            table[key] = Convert(section.Raw(key));
    }

    static object? Convert(object? value) => value switch
    {
        ConfigSection section => Nested(section),
        IList list => list.Cast<object?>().Select(Convert).ToArray(),
        _ => value,
    };

    static Hashtable Nested(ConfigSection section)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        Merge(table, section);
        return table;
    }
}
