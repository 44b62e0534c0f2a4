using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// The layers of platform.bronze.layers: read and checked before any client is made (errors name the
/// entry and the key), then stacked over the backend in the order written, the first entry outermost:
/// <c>[compress, encrypt]</c> compresses, then encrypts what it compressed, then stores it.
/// </summary>
public static class StorageLayers
{
    /// <summary>Every layer that ships with the module.</summary>
    public static IReadOnlyList<LayerDescriptor> All { get; } = [CompressLayer.Descriptor, EncryptLayer.Descriptor, CacheLayer.Descriptor];

    /// <summary>Every layer option (for the docs and the typo check).</summary>
    public static IEnumerable<OptionDeclaration> AllOptions => All.SelectMany(l => l.Options);

    /// <summary>The entries of platform.bronze.layers, each checked (layer name, keys, values).</summary>
    public static IReadOnlyList<LayerEntry> Entries(PlatformConfig config)
    {
        if (!config.Bronze.IsSet(LayerOptions.Layers)) return Array.Empty<LayerEntry>();
        var list = (IReadOnlyList<object?>)OptionValues.Read(config.Platform, LayerOptions.Layers)!;
        var entries = new List<LayerEntry>();
        for (var i = 0; i < list.Count; i++)
        {
            var entry = Entry(config, list[i], i);
            foreach (var option in entry.Layer.Options) entry.Read(option); // presence, types, ranges
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>The backend with the configured layers over it (the backend itself when there are none).</summary>
    public static StorageBackend Wrap(PlatformConfig config, StorageBackend backend)
    {
        var entries = Entries(config);
        for (var i = entries.Count - 1; i >= 0; i--)
            backend = entries[i].Layer.Create(entries[i], backend);
        return backend;
    }

    static LayerEntry Entry(PlatformConfig config, object? item, int index)
    {
        var bronze = config.Bronze;
        var path = $"{LayerOptions.Layers.FullKey}[{index}]";
        string name;
        ConfigSection options;
        switch (item)
        {
            case string text when text.Trim().Length > 0: // "- compress": the layer with its defaults
                name = text.Trim();
                options = new ConfigSection($"{path}.{name}", file: bronze.File, line: bronze.LineOf(LayerOptions.Layers.Key), environment: bronze.Environment);
                break;
            case ConfigSection { Keys: var keys } section when keys.Count() == 1:
                name = keys.Single();
                options = section.Raw(name) switch
                {
                    null => new ConfigSection(section.KeyPath(name), file: section.File, line: section.LineOf(name), environment: section.Environment),
                    ConfigSection given => given,
                    var other => throw section.Error(name, $"The layer '{section.KeyPath(name)}' takes a mapping of options ({{ key: value }}), not a {ConfigSection.Describe(other)}."),
                };
                break;
            default:
                throw bronze.Error(LayerOptions.Layers.Key,
                    $"The entry '{path}' must name one layer, e.g. '- compress: {{ algorithm: zstd }}'. Layers: {string.Join(", ", All.Select(l => l.Name))}.");
        }

        var layer = All.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));
        if (layer is null)
        {
            var meant = KeyCheck.NearestMiss(name, All.Select(l => l.Name));
            var hint = meant is null ? "" : $" Did you mean '{meant}'?";
            var where = item as ConfigSection;
            var message = $"The layer '{name}' in '{path}' is not known.{hint} Layers: {string.Join(", ", All.Select(l => l.Name))}.";
            throw where is null ? bronze.Error(LayerOptions.Layers.Key, message) : where.Error(name, message);
        }

        var known = layer.Options.Select(o => o.Key).ToList();
        foreach (var key in options.Keys)
        {
            if (known.Contains(key, StringComparer.Ordinal)) continue;
            var meant = KeyCheck.NearestMiss(key, known);
            throw options.Error(key, meant is not null
                ? $"'{options.KeyPath(key)}' is not a known key of the {layer.Name} layer; did you mean '{meant}'?"
                : $"'{options.KeyPath(key)}' is not a known key of the {layer.Name} layer. Known keys: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        }
        return new LayerEntry(layer, options, index, config);
    }
}
