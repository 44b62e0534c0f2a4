using MedallionFoundry.Config;

namespace MedallionFoundry.CustomBackends;

/// <summary>One declared option as Get-BronzeStorageBackend shows it (its Options property).</summary>
public sealed class BronzeStorageOptionInfo
{
    /// <summary>The key inside its section, e.g. s3_bucket or max_attempts.</summary>
    public required string Key { get; init; }

    /// <summary>platform.bronze, platform.s3_connection, platform.bronze.retry ...</summary>
    public required string Section { get; init; }

    public required string Type { get; init; }

    public required string Default { get; init; }

    /// <summary>Allowed range or values ("1..20", "when_required, when_supported"); empty when unrestricted.</summary>
    public string Range { get; init; } = "";

    public bool Required { get; init; }

    /// <summary>Options of the same group: one of them must be set (the Azure credential forms).</summary>
    public string? OneOf { get; init; }

    public bool Sensitive { get; init; }

    /// <summary>The Connect-BronzeStorage parameter, with its dash ("-Bucket"); empty when none.</summary>
    public string Parameter { get; init; } = "";

    public string Description { get; init; } = "";

    public string FullKey => $"{Section}.{Key}";

    public static BronzeStorageOptionInfo From(OptionDeclaration option) => new()
    {
        Key = option.Key,
        Section = option.Section,
        Type = option.Type.ToString(),
        Default = option.Default,
        Range = option.Range,
        Required = option.Required,
        OneOf = option.OneOfGroup,
        Sensitive = option.Sensitive,
        Parameter = option.Parameter is { } p ? "-" + p : "",
        Description = option.Help,
    };

    public override string ToString() => FullKey;
}
