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

    /// <summary>Validates the config against the chosen backend's needs and creates it.</summary>
    public StorageBackend Create(PlatformConfig config)
    {
        if (!config.StorageEnabled)
            throw config.Bronze.Error(config.Bronze.Has("storage_enabled") ? "storage_enabled" : "s3_enabled",
                "Storage is disabled by 'platform.bronze.storage_enabled: false' in this config.");

        if (!TryGet(config.BackendName, out var descriptor))
            throw config.Bronze.Error("storage_backend",
                $"The storage backend '{config.BackendName}' in 'platform.bronze.storage_backend' is not known. Available backends: {string.Join(", ", Names)}.");

        foreach (var key in descriptor.RequiredKeys)
            config.Bronze.GetString(key, required: true);
        if (descriptor.ConnectionSection is { } section)
            config.Section(section, descriptor.ConnectionSectionRequired);

        return descriptor.Create(config);
    }
}
