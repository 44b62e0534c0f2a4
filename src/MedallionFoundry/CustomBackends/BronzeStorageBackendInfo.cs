using MedallionFoundry.Backends;

namespace MedallionFoundry.CustomBackends;

/// <summary>One backend as Get-BronzeStorageBackend shows it: name, where it comes from and its config keys.</summary>
public sealed class BronzeStorageBackendInfo
{
    public required string Name { get; init; }

    /// <summary>BuiltIn, Assembly, ScriptBlock, Module, or Layer for a storage layer.</summary>
    public required CustomBackendKind Kind { get; init; }

    public bool IsBuiltIn => Kind == CustomBackendKind.BuiltIn;

    public string Description { get; init; } = "";

    /// <summary>Full config keys that must be present, e.g. platform.bronze.local_path.</summary>
    public IReadOnlyList<string> RequiredKeys { get; init; } = Array.Empty<string>();

    /// <summary>Full config keys that may be present.</summary>
    public IReadOnlyList<string> OptionalKeys { get; init; } = Array.Empty<string>();

    /// <summary>Every option it reads (its own, then those every backend shares): key, section, type, default, parameter...</summary>
    public IReadOnlyList<BronzeStorageOptionInfo> Options { get; init; } = Array.Empty<BronzeStorageOptionInfo>();

    /// <summary>Its own section beside bronze (e.g. platform.s3_connection), if it reads one.</summary>
    public string? ConfigSection { get; init; }

    /// <summary>Type and assembly, scriptblocks or module a custom backend was registered from.</summary>
    public string? Source { get; init; }

    public static BronzeStorageBackendInfo From(BackendDescriptor descriptor) => new()
    {
        Name = descriptor.Name,
        Kind = CustomBackendKinds.Of(descriptor),
        Description = descriptor.Description,
        RequiredKeys = descriptor.RequiredKeys.Select(k => $"platform.bronze.{k}").ToList(),
        OptionalKeys = descriptor.OptionalKeys.Select(k => $"platform.bronze.{k}").ToList(),
        Options = descriptor.AllOptions.Select(BronzeStorageOptionInfo.From).ToList(),
        ConfigSection = descriptor.ConnectionSection is { } section ? $"platform.{section}" : null,
        Source = descriptor.IsBuiltIn ? "MedallionFoundry" : descriptor.Source,
    };

    /// <summary>A storage layer (compress, encrypt, cache): its keys are those of its entry in platform.bronze.layers.</summary>
    public static BronzeStorageBackendInfo FromLayer(Backends.Layers.LayerDescriptor layer) => new()
    {
        Name = layer.Name,
        Kind = CustomBackendKind.Layer,
        Description = layer.Description,
        RequiredKeys = layer.Options.Where(o => o.Required).Select(o => o.FullKey).ToList(),
        OptionalKeys = layer.Options.Where(o => !o.Required).Select(o => o.FullKey).ToList(),
        Options = layer.Options.Select(BronzeStorageOptionInfo.From).ToList(),
        Source = "MedallionFoundry",
    };

    public override string ToString() => Name;
}
