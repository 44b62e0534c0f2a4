using System.Globalization;
using System.Net;
using MedallionFoundry.Config;

namespace MedallionFoundry.Backends;

/// <summary>A Connect-BronzeStorage parameter that sets an option of another backend, not of the chosen one.</summary>
public sealed class ParameterNotApplicableException(string parameter, string backend, IEnumerable<string> applicable)
    : Exception($"The parameter -{parameter} does not apply to the '{backend}' backend. Its parameters: {string.Join(", ", applicable.Select(p => "-" + p).DefaultIfEmpty("(none)"))}.")
{
    public string Parameter { get; } = parameter;
}

/// <summary>
/// Puts parameter values into a config through the option table, so they are read by the same binder
/// as YAML values (same result, same errors, which then also name the parameter). A parameter that
/// no backend declares is the cmdlet's own and is left alone.
/// </summary>
public static class OptionParameters
{
    /// <summary>The parameters a backend's options can be given by ("Bucket", "Prefix", "MaxAttempts", ...).</summary>
    public static IReadOnlyList<string> For(BackendDescriptor descriptor) =>
        descriptor.AllOptions.Select(o => o.Parameter).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <param name="values">Parameter name to value: a string, number, bool or <see cref="NetworkCredential"/>.</param>
    /// <param name="registry">Where the other backends' parameters are looked up (to tell "not this backend" from "not an option").</param>
    public static PlatformConfig Apply(PlatformConfig config, BackendDescriptor descriptor, IReadOnlyDictionary<string, object?> values, BackendRegistry registry)
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        var outer = config.Platform.Environment;
        string? Environment(string name) => secrets.TryGetValue(name, out var value) ? value : outer(name);
        var everyParameter = registry.Descriptors.Append(descriptor).SelectMany(For).ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var (parameter, value) in values)
        {
            var options = descriptor.AllOptions.Where(o => string.Equals(o.Parameter, parameter, StringComparison.OrdinalIgnoreCase)).ToList();
            if (options.Count == 0)
            {
                if (everyParameter.Contains(parameter)) throw new ParameterNotApplicableException(parameter, descriptor.Name, For(descriptor));
                continue;
            }
            foreach (var option in options)
            {
                var text = Text(value, option.ParameterPart);
                if (option.Type == OptionType.EnvVarName && text is not null)
                {
                    // The secret itself never enters the config: the option names a private variable holding it.
                    var variable = $"(Connect-BronzeStorage -{parameter}{(option.ParameterPart == CredentialPart.None ? "" : " " + option.ParameterPart)})";
                    secrets[variable] = text;
                    text = variable;
                }
                config = config.With(option, text, parameter, Environment);
            }
        }
        return config;
    }

    static string? Text(object? value, CredentialPart part) => value switch
    {
        null => null,
        NetworkCredential credential => part == CredentialPart.UserName ? credential.UserName : credential.Password,
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
