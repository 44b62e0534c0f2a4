using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>The one factory every entry point uses: config in, ready <see cref="BronzeStore"/> out.</summary>
public static class BronzeStoreFactory
{
    public static BronzeStore Create(PlatformConfig config, string name = "default", BackendRegistry? registry = null)
    {
        var backend = (registry ?? BackendRegistry.Default).Create(config);
        return new BronzeStore(backend, name, CreateRunner(config));
    }

    static OperationRunner CreateRunner(PlatformConfig config) => OperationRunner.Direct;
}
