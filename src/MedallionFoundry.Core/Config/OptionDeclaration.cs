using System.Globalization;

namespace MedallionFoundry.Config;

/// <summary>How an option's text is read. Every type has exactly one parser (<see cref="OptionValues"/>).</summary>
public enum OptionType
{
    String,

    /// <summary>A whole number.</summary>
    Int,

    /// <summary>A finite decimal number.</summary>
    Number,

    Bool,

    /// <summary>Seconds ("30", "0.5") or with a unit ("500ms", "2s", "1m", "1h").</summary>
    Duration,

    /// <summary>Bytes ("8388608") or with a binary unit ("512KiB", "16MiB", "1GiB"; KB/MB/GB read as binary too).</summary>
    Size,

    /// <summary>One of <see cref="OptionDeclaration.Allowed"/> (case-insensitive).</summary>
    Enum,

    /// <summary>The NAME of an environment variable; the binder returns the variable's value.</summary>
    EnvVarName,

    /// <summary>A file-system path; relative paths resolve against the PowerShell location.</summary>
    Path,

    /// <summary>A YAML list (of mappings), read by its owner (platform.bronze.layers, the mirror targets);
    /// the binder only checks that it is a list.</summary>
    List,
}

/// <summary>Which part of a credential parameter (PSCredential) an option takes.</summary>
public enum CredentialPart { None, UserName, Password }

/// <summary>
/// One configuration option, declared once on its backend's descriptor (or shared by all backends):
/// the binder, the typo check, Connect-BronzeStorage's parameters, the docs tables and the redactor
/// all read this declaration, so a new option is one declaration plus its use.
/// </summary>
public sealed class OptionDeclaration
{
    public const string BronzeSection = "platform.bronze";

    /// <summary>The key inside its section, e.g. "s3_bucket".</summary>
    public required string Key { get; init; }

    /// <summary>Dotted path of the section it lives in: "platform.bronze", "platform.s3_connection", "platform.bronze.retry".</summary>
    public string Section { get; init; } = BronzeSection;

    public OptionType Type { get; init; } = OptionType.String;

    /// <summary>Typed default used when the option is absent (string, int, double, bool, TimeSpan, long); null = none.</summary>
    public object? DefaultValue { get; init; }

    /// <summary>Shown instead of <see cref="DefaultValue"/> when the default depends on other options.</summary>
    public string? DefaultText { get; init; }

    /// <summary>Smallest allowed value: the number for Int/Number, seconds for Duration, bytes for Size.</summary>
    public double? Min { get; init; }

    /// <summary>Largest allowed value (same units as <see cref="Min"/>).</summary>
    public double? Max { get; init; }

    /// <summary>True when <see cref="Min"/> itself is not allowed (e.g. a timeout must be more than 0).</summary>
    public bool MinExclusive { get; init; }

    /// <summary>The values an Enum option accepts (lower case).</summary>
    public IReadOnlyList<string> Allowed { get; init; } = Array.Empty<string>();

    public bool Required { get; init; }

    /// <summary>Options sharing a group name: one of the group must be set (e.g. the Azure credential forms).</summary>
    public string? OneOfGroup { get; init; }

    /// <summary>The value (for EnvVarName, the variable's value) is a secret: never shown, always redacted.</summary>
    public bool Sensitive { get; init; }

    /// <summary>One line for docs and Get-BronzeStorageBackend.</summary>
    public string Help { get; init; } = "";

    /// <summary>The Connect-BronzeStorage parameter that sets it, without the dash; null = none.</summary>
    public string? Parameter { get; init; }

    /// <summary>For a credential parameter: which part of it this option takes.</summary>
    public CredentialPart ParameterPart { get; init; }

    /// <summary>"platform.s3_connection.region".</summary>
    public string FullKey => $"{Section}.{Key}";

    /// <summary>Section and key relative to platform.bronze when it lives there ("retry.max_attempts"), else relative to platform.</summary>
    public string ShortKey =>
        FullKey.StartsWith(BronzeSection + ".", StringComparison.Ordinal) ? FullKey[(BronzeSection.Length + 1)..] : FullKey["platform.".Length..];

    /// <summary>The default as users read it: "4", "0.5s", "16MiB", "required", "none".</summary>
    public string Default => DefaultText ?? (DefaultValue is { } value ? OptionValues.Format(this, value) : Required ? "required" : "none");

    /// <summary>The allowed range or values, for docs ("1..20", "when_required, when_supported"); "" when unrestricted.</summary>
    public string Range
    {
        get
        {
            if (Type == OptionType.Enum) return string.Join(", ", Allowed);
            if (Min is null && Max is null) return "";
            string Show(double v) => Type switch
            {
                OptionType.Size => OptionValues.FormatSize((long)v),
                OptionType.Duration => OptionValues.FormatDuration(TimeSpan.FromSeconds(v)),
                _ => v.ToString(CultureInfo.InvariantCulture),
            };
            var low = Min is { } min ? Show(min) : "";
            var high = Max is { } max ? Show(max) : "";
            if (MinExclusive) return high.Length == 0 ? $"more than {low}" : $"more than {low}, up to {high}";
            return $"{low}..{high}";
        }
    }

    public override string ToString() => FullKey;
}
