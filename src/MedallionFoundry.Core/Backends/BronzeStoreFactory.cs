using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>The one factory every entry point uses: config in, ready <see cref="BronzeStore"/> out.</summary>
public static class BronzeStoreFactory
{
    /// <param name="resilience">Settings to use instead of those in the config (parameters win over YAML).</param>
    public static BronzeStore Create(PlatformConfig config, string name = "default", BackendRegistry? registry = null, ResilienceSettings? resilience = null)
    {
        resilience ??= ResilienceSettings.FromConfig(config.Bronze); // validated before any client is made
        var backend = (registry ?? BackendRegistry.Default).Create(config);
        return new BronzeStore(backend, name, new ResilientOperationRunner(resilience, name));
    }
}
