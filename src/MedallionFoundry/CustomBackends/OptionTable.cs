using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MedallionFoundry.Config;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// Turns Register-BronzeStorageBackend -Option hashtables into option declarations:
/// @{ Key = 'port'; Type = 'Int'; Default = 22; Min = 1; Max = 65535; Required = $false; Sensitive = $false; Parameter = 'Port';
///    Section = 'bronze' (default) or 'own' (platform.&lt;backend name&gt;); Allowed = 'a','b'; Description = '...' }.
/// Every mistake is a registration error naming the option.
/// </summary>
internal static class OptionTable
{
    static readonly string[] Fields = ["Key", "Type", "Default", "Required", "Sensitive", "Section", "Allowed", "Min", "Max", "Description", "Help", "OneOf", "Parameter"];

    public static IReadOnlyList<OptionDeclaration> FromHashtables(string backendName, IEnumerable<Hashtable> tables) =>
        tables.Select(t => FromHashtable(backendName, t)).ToList();

    static OptionDeclaration FromHashtable(string backendName, Hashtable table)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in table)
            values[entry.Key.ToString() ?? ""] = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;

        var key = values.GetValueOrDefault("Key") as string;
        if (string.IsNullOrWhiteSpace(key) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw Invalid($"An -Option needs Key = '<name>' (letters, digits and '_'), not '{key}'.");
        if (values.Keys.FirstOrDefault(k => !Fields.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } unknown)
            throw Invalid($"The option '{key}' has an unknown field '{unknown}'. Fields: {string.Join(", ", Fields)}.");

        var typeText = values.GetValueOrDefault("Type")?.ToString() ?? nameof(OptionType.String);
        if (!Enum.TryParse<OptionType>(typeText, ignoreCase: true, out var type) || !Enum.IsDefined(type))
            throw Invalid($"The option '{key}' has Type '{typeText}'. Types: {string.Join(", ", Enum.GetNames<OptionType>())}.");

        var sectionText = values.GetValueOrDefault("Section")?.ToString() ?? "bronze";
        var section = sectionText.ToLowerInvariant() switch
        {
            "bronze" or OptionDeclaration.BronzeSection => OptionDeclaration.BronzeSection,
            "own" => $"platform.{backendName}",
            _ when string.Equals(sectionText, backendName, StringComparison.OrdinalIgnoreCase) || sectionText.Equals($"platform.{backendName}", StringComparison.OrdinalIgnoreCase) => $"platform.{backendName}",
            _ => throw Invalid($"The option '{key}' has Section '{sectionText}': use 'bronze' (platform.bronze) or 'own' (platform.{backendName})."),
        };

        var option = new OptionDeclaration
        {
            Key = key,
            Section = section,
            Type = type,
            Required = Flag(values, "Required", key),
            Sensitive = Flag(values, "Sensitive", key),
            Allowed = (values.GetValueOrDefault("Allowed") is { } allowed ? LanguagePrimitives.ConvertTo<string[]>(allowed) : Array.Empty<string>())
                .Select(a => a.ToLowerInvariant()).ToArray(),
            Min = Number(values, "Min", key),
            Max = Number(values, "Max", key),
            OneOfGroup = values.GetValueOrDefault("OneOf")?.ToString(),
            Parameter = ParameterName(values, key),
            Help = (values.GetValueOrDefault("Description") ?? values.GetValueOrDefault("Help"))?.ToString() ?? "",
        };
        if (type == OptionType.Enum && option.Allowed.Count == 0)
            throw Invalid($"The option '{key}' is an Enum: give its values with Allowed = 'a', 'b'.");
        if (values.GetValueOrDefault("Default") is not { } given) return option;

        // The default goes through the same parser as any value, so it is checked (and typed) now.
        var text = given switch
        {
            bool b => b ? "true" : "false",
            TimeSpan t => t.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => given.ToString(),
        };
        var probe = new ConfigSection(section, new Dictionary<string, object?> { [key] = text });
        try
        {
            var typed = OptionValues.Read(probe, new OptionDeclaration { Key = key, Section = section, Type = type == OptionType.EnvVarName ? OptionType.String : type, Min = option.Min, Max = option.Max, Allowed = option.Allowed });
            return new OptionDeclaration
            {
                Key = option.Key, Section = option.Section, Type = option.Type, Required = option.Required, Sensitive = option.Sensitive, Parameter = option.Parameter,
                Allowed = option.Allowed, Min = option.Min, Max = option.Max, OneOfGroup = option.OneOfGroup, Help = option.Help,
                DefaultValue = type == OptionType.EnvVarName ? null : typed,
                DefaultText = type == OptionType.EnvVarName ? text : null,
            };
        }
        catch (ConfigException ex)
        {
            throw Invalid($"The default of the option '{key}' is not valid: {ex.Message}");
        }
    }

    /// <summary>The Connect-BronzeStorage parameter (without the dash) that sets the option, if any.</summary>
    static string? ParameterName(Dictionary<string, object?> values, string key)
    {
        var name = values.GetValueOrDefault("Parameter")?.ToString()?.TrimStart('-');
        if (name is null) return null;
        if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || !name.All(char.IsAsciiLetterOrDigit))
            throw Invalid($"The option '{key}' has Parameter '{name}': use a PowerShell parameter name (letters and digits).");
        return name;
    }

    static bool Flag(Dictionary<string, object?> values, string field, string key) => values.GetValueOrDefault(field) switch
    {
        null => false,
        bool b => b,
        SwitchParameter s => s.IsPresent,
        var other => throw Invalid($"The option '{key}' has {field} = '{other}': use $true or $false."),
    };

    static double? Number(Dictionary<string, object?> values, string field, string key)
    {
        if (values.GetValueOrDefault(field) is not { } value) return null;
        try { return LanguagePrimitives.ConvertTo<double>(value); }
        catch (PSInvalidCastException) { throw Invalid($"The option '{key}' has {field} = '{value}': use a number."); }
    }

    static BackendRegistrationException Invalid(string message) => new("InvalidOption", ErrorCategory.InvalidArgument, message);
}
