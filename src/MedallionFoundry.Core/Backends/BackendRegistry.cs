using System.Collections.Concurrent;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>
/// The backends the factory can create, by name. Process-wide and thread-safe, so registrations
/// are seen by every runspace (ForEach-Object -Parallel, thread jobs).
/// </summary>
public sealed class BackendRegistry
{
    readonly ConcurrentDictionary<string, BackendDescriptor> _backends = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registry the module uses, with the built-in backends in it.</summary>
    public static BackendRegistry Default { get; } = CreateWithBuiltIns();

    public static BackendRegistry CreateWithBuiltIns()
    {
        var registry = new BackendRegistry();
        foreach (var descriptor in BuiltInBackends.All())
            registry._backends[descriptor.Name] = descriptor;
        return registry;
    }

    public IReadOnlyList<string> Names => _backends.Keys.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();

    public IReadOnlyList<BackendDescriptor> Descriptors => _backends.Values.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public bool TryGet(string name, out BackendDescriptor descriptor) => _backends.TryGetValue(name, out descriptor!);

    /// <summary>Adds a backend. A built-in name cannot be taken; another custom name only with <paramref name="replace"/>.</summary>
    public void Register(BackendDescriptor descriptor, bool replace = false)
    {
        if (string.IsNullOrWhiteSpace(descriptor.Name) || descriptor.Name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"The backend name '{descriptor.Name}' is not valid: use letters, digits, '_' or '-'.", nameof(descriptor));
        _backends.AddOrUpdate(descriptor.Name, descriptor, (name, existing) =>
        {
            if (existing.IsBuiltIn)
                throw new InvalidOperationException($"The backend name '{name}' belongs to a built-in backend and cannot be registered again.");
            if (!replace)
                throw new InvalidOperationException($"A backend named '{name}' is already registered. Unregister it first, or use -Force to replace it.");
            return descriptor;
        });
    }

    /// <summary>Removes a custom backend; false when no such name is registered.</summary>
    public bool Unregister(string name)
    {
        if (_backends.TryGetValue(name, out var existing) && existing.IsBuiltIn)
            throw new InvalidOperationException($"The backend '{name}' is built in and cannot be unregistered.");
        return _backends.TryRemove(name, out _);
    }

    /// <summary>The backend a config selects; an error naming storage_backend when it is disabled or unknown.</summary>
    public BackendDescriptor Select(PlatformConfig config)
    {
        if (!config.StorageEnabled)
        {
            var flag = config.Bronze.Has(SharedOptions.StorageEnabled.Key) ? SharedOptions.StorageEnabled : SharedOptions.S3Enabled;
            throw config.Bronze.Error(flag.Key, $"Storage is disabled by '{SharedOptions.StorageEnabled.FullKey}: false' in this config.");
        }
        if (!TryGet(config.BackendName, out var descriptor))
            throw config.Bronze.Error(SharedOptions.StorageBackend.Key,
                $"The storage backend '{config.BackendName}' in '{SharedOptions.StorageBackend.FullKey}' is not known. Available backends: {string.Join(", ", Names)}.");
        return descriptor;
    }

    /// <summary>Checks the config against the chosen backend's declared options (typos, unknown keys in
    /// owned sections, presence, types, ranges) and creates it.</summary>
    /// <param name="verbose">Receives the unknown keys that were allowed (listed with -Verbose).</param>
    public StorageBackend Create(PlatformConfig config, Action<string>? verbose = null)
    {
        var descriptor = Select(config);
        Validate(config, descriptor, verbose);
        return Layers.StorageLayers.Wrap(config, descriptor.Create(config));
    }

    /// <summary>Everything about a config that can be checked without creating the backend.</summary>
    public void Validate(PlatformConfig config, BackendDescriptor descriptor, Action<string>? verbose = null)
    {
        var known = Descriptors.Append(descriptor).SelectMany(d => d.AllOptions).Distinct().ToList();
        var owned = descriptor.OwnedSections
            .Concat(SharedOptions.All.Select(o => o.Section).Where(s => s != OptionDeclaration.BronzeSection))
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var key in KeyCheck.Check(config.Platform, known, owned))
            verbose?.Invoke($"The key '{key}' is not one MedallionFoundry reads; ignored.");
        OptionValues.Validate(config.Platform, descriptor.AllOptions);
        Layers.StorageLayers.Entries(config); // each layer's name, keys and values
        if (descriptor.ConnectionSection is { } section)
            config.Section(section, descriptor.ConnectionSectionRequired);
    }
}
