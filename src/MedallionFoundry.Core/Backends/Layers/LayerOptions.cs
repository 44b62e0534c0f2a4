using MedallionFoundry.Config;

namespace MedallionFoundry.Backends.Layers;

/// <summary>The platform.bronze.layers list itself (each layer's own options are on its descriptor).</summary>
public static class LayerOptions
{
    public static readonly OptionDeclaration Layers = new()
    {
        Key = "layers", Type = OptionType.List,
        Help = "Storage layers over the backend, outermost first: compress, encrypt, cache (see layers.md).",
    };
}
