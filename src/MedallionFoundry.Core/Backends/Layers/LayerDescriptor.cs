using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// One kind of storage layer (compress, encrypt, cache): its name in platform.bronze.layers, its
/// declared options (the binder, the typo check and the docs table read them) and how it wraps a backend.
/// </summary>
public sealed class LayerDescriptor
{
    /// <summary>The key of a layers entry that selects it ("- compress: { ... }").</summary>
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    /// <summary>Its options; their <see cref="OptionDeclaration.Section"/> is <c>platform.bronze.layers.NAME</c>.</summary>
    public IReadOnlyList<OptionDeclaration> Options { get; init; } = Array.Empty<OptionDeclaration>();

    /// <summary>Wraps <c>inner</c>, reading the options from the entry.</summary>
    public required Func<LayerEntry, StorageBackend, StorageBackend> Create { get; init; }

    /// <summary>The section every option of a layer lives in.</summary>
    public static string SectionOf(string layer) => $"{LayerOptions.Layers.FullKey}.{layer}";
}

/// <summary>One entry of platform.bronze.layers: the layer it names and its own mapping of options.</summary>
public sealed class LayerEntry
{
    internal LayerEntry(LayerDescriptor layer, ConfigSection options, int index, PlatformConfig config)
    {
        Layer = layer;
        Options = options;
        Index = index;
        Config = config;
        // The declarations say platform.bronze.layers.NAME; the entry is platform.bronze.layers[i].NAME.
        // A root holding the entry under its name lets the binder find it, and its errors name the real path.
        _root = new ConfigSection(LayerOptions.Layers.FullKey, new Dictionary<string, object?> { [layer.Name] = options }, options.File, options.Line);
    }

    readonly ConfigSection _root;

    public LayerDescriptor Layer { get; }

    /// <summary>The entry's mapping ("platform.bronze.layers[0].compress").</summary>
    public ConfigSection Options { get; }

    public int Index { get; }

    public PlatformConfig Config { get; }

    /// <summary>The typed value of one of the layer's options (its default when absent).</summary>
    public object? Read(OptionDeclaration option) => OptionValues.Read(_root, option);

    public string? String(OptionDeclaration option) => (string?)Read(option);

    public int? Int(OptionDeclaration option) => (int?)Read(option);

    public long? Size(OptionDeclaration option) => (long?)Read(option);
}
