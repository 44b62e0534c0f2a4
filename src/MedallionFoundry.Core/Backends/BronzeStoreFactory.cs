using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>The one factory every entry point uses: config in, ready <see cref="BronzeStore"/> out.</summary>
public static class BronzeStoreFactory
{
    /// <param name="resilience">Settings to use instead of those in the config (parameters win over YAML).</param>
    /// <param name="verbose">Receives notes for -Verbose (unknown keys that were allowed).</param>
    public static BronzeStore Create(PlatformConfig config, string name = "default", BackendRegistry? registry = null, ResilienceSettings? resilience = null,
        Action<string>? verbose = null)
    {
        registry ??= BackendRegistry.Default;
        var descriptor = registry.Select(config);
        registry.Validate(config, descriptor, verbose); // typos and bad values fail before any client is made
        resilience ??= ResilienceSettings.FromConfig(config.Bronze);
        // The retry pipeline is built on another core while the backend makes its client: in a fresh process
        // each takes 12-25 ms (Polly validates its options by reflection; the SDK loads and configures).
        var runner = Task.Run(() => new ResilientOperationRunner(resilience, name));
        var backend = Layers.StorageLayers.Wrap(config, descriptor.Create(config));
        return new BronzeStore(backend, name, runner.GetAwaiter().GetResult());
    }
}
