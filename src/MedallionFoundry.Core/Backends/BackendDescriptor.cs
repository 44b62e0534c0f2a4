using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>
/// Everything the factory needs to know about one backend: its name, the config keys it needs
/// (checked before it is created, so errors name them) and how to create it.
/// </summary>
public sealed class BackendDescriptor
{
    /// <summary>The value of platform.bronze.storage_backend that selects it (case-insensitive).</summary>
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    /// <summary>Keys that must be present under platform.bronze.</summary>
    public IReadOnlyList<string> RequiredKeys { get; init; } = Array.Empty<string>();

    /// <summary>Keys that may be present under platform.bronze (for help and Get-BronzeStorageBackend).</summary>
    public IReadOnlyList<string> OptionalKeys { get; init; } = Array.Empty<string>();

    /// <summary>Name of its section beside bronze (e.g. "s3_connection"), if it has one.</summary>
    public string? ConnectionSection { get; init; }

    public bool ConnectionSectionRequired { get; init; }

    /// <summary>True for the backends that ship with the module (they cannot be replaced).</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>Where a custom backend came from (assembly, script), for display.</summary>
    public string? Source { get; init; }

    /// <summary>Creates the backend from a validated config.</summary>
    public required Func<PlatformConfig, StorageBackend> Create { get; init; }
}
