using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.CustomBackends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Custom;

/// <summary>
/// A script backend registered the way Register-BronzeStorageBackend does it (ScriptBackendFactory +
/// BackendRegistry.Register) and created through the factory; each store gets a new folder (its own
/// section platform.&lt;name&gt;.root) and a prefix unique to the test (bronze key "prefix").
/// </summary>
public abstract class ScriptBackendFixture : IBackendFixture
{
    readonly BackendRegistry _registry = BackendRegistry.CreateWithBuiltIns();
    readonly string _name;

    protected ScriptBackendFixture(string name, ScriptBackendDefinition definition)
    {
        _name = name;
        _registry.Register(ScriptBackendFactory.Describe(definition));
    }

    public Task<BronzeStore> CreateStoreAsync()
    {
        var config = PlatformConfig.FromValues(
            new Dictionary<string, object?> { ["storage_backend"] = _name, ["prefix"] = TestData.UniqueName("bronze") },
            new Dictionary<string, IDictionary<string, object?>> { [_name] = new Dictionary<string, object?> { ["root"] = TestData.TempFolder("script-store") } });
        return Task.FromResult(BronzeStoreFactory.Create(config, "test", _registry));
    }
}

public sealed class ScriptBlockBackendFixture() : ScriptBackendFixture("folder_scripts", new ScriptBackendDefinition
{
    Options = new CustomBackendOptions { Name = "folder_scripts" },
    Scripts = FolderScripts.Scripts(),
});

public sealed class ModuleBackendFixture() : ScriptBackendFixture("folder_module", new ScriptBackendDefinition
{
    Options = new CustomBackendOptions { Name = "folder_module" },
    Module = FolderScripts.WriteModule(),
});

public sealed class ScriptBlockBackendContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = new ScriptBlockBackendFixture();
}

public sealed class ModuleBackendContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = new ModuleBackendFixture();
}
