using MedallionFoundry.Resilience;

namespace MedallionFoundry.Config;

/// <summary>
/// Options every backend shares: the backend choice, the enabled flags and the resilience options.
/// An option that applies to all backends is declared here (or in a list added to <see cref="All"/>),
/// never on one descriptor.
/// </summary>
public static class SharedOptions
{
    public static readonly OptionDeclaration StorageBackend = new()
    {
        Key = "storage_backend", DefaultValue = PlatformConfig.DefaultBackend,
        Help = "s3, azure, local, sftp, mirror (see layers.md) or a registered custom name (case-insensitive).",
    };

    public static readonly OptionDeclaration StorageEnabled = new()
    {
        Key = "storage_enabled", Type = OptionType.Bool, DefaultValue = true,
        Help = "false makes Connect-BronzeStorage refuse to connect.",
    };

    public static readonly OptionDeclaration S3Enabled = new()
    {
        Key = "s3_enabled", Type = OptionType.Bool, DefaultText = "true",
        Help = "The older name of storage_enabled (still accepted; both must agree when given).",
    };

    public static IReadOnlyList<OptionDeclaration> General { get; } = [StorageBackend, StorageEnabled, S3Enabled, Backends.Layers.LayerOptions.Layers];

    public static IReadOnlyList<OptionDeclaration> All { get; } = [.. General, .. ResilienceOptions.All];
}
