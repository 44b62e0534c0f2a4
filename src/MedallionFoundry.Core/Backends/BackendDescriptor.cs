using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>
/// Everything the factory needs to know about one backend: its name, its declared options (checked
/// before it is created, so errors name them; also the source of its parameters and docs) and how to create it.
/// </summary>
public sealed class BackendDescriptor
{
    /// <summary>The value of platform.bronze.storage_backend that selects it (case-insensitive).</summary>
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    /// <summary>Every option the backend reads, declared once (the shared ones in <see cref="SharedOptions"/> are added by <see cref="AllOptions"/>).</summary>
    public IReadOnlyList<OptionDeclaration> Options { get; init; } = Array.Empty<OptionDeclaration>();

    /// <summary>Its own options, then the ones every backend shares (backend choice, resilience).</summary>
    public IEnumerable<OptionDeclaration> AllOptions => Options.Concat(SharedOptions.All);

    /// <summary>Sections the backend owns entirely ("platform.s3_connection"): an unknown key in them is an error.</summary>
    public IReadOnlyList<string> OwnedSections { get; init; } = Array.Empty<string>();

    /// <summary>Keys that must be present under platform.bronze (from <see cref="Options"/>).</summary>
    public IReadOnlyList<string> RequiredKeys => BronzeKeys(required: true);

    /// <summary>Keys that may be present under platform.bronze (from <see cref="Options"/>).</summary>
    public IReadOnlyList<string> OptionalKeys => BronzeKeys(required: false);

    IReadOnlyList<string> BronzeKeys(bool required) =>
        Options.Where(o => o.Section == OptionDeclaration.BronzeSection && o.Required == required).Select(o => o.Key).ToList();

    /// <summary>Name of its section beside bronze (e.g. "s3_connection"), if it has one; by default its first owned section.</summary>
    public string? ConnectionSection
    {
        get => _connectionSection ?? OwnedSections.FirstOrDefault()?["platform.".Length..];
        init => _connectionSection = value;
    }

    readonly string? _connectionSection;

    public bool ConnectionSectionRequired { get; init; }

    /// <summary>True for the backends that ship with the module (they cannot be replaced).</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>Where a custom backend came from (assembly, script), for display.</summary>
    public string? Source { get; init; }

    /// <summary>Creates the backend from a validated config.</summary>
    public required Func<PlatformConfig, StorageBackend> Create { get; init; }
}
