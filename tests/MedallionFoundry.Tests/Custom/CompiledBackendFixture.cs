using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.CustomBackends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Custom;

/// <summary>
/// The compiled C# backend, registered the way Register-BronzeStorageBackend -AssemblyPath does it
/// (AssemblyBackendLoader + BackendRegistry.Register) and created through the factory from a config
/// that names it, with a prefix unique to each test and its own section platform.&lt;name&gt;.
/// </summary>
public sealed class CompiledBackendFixture : IBackendFixture
{
    const string Name = "memory_store";
    readonly BackendRegistry _registry = BackendRegistry.CreateWithBuiltIns();

    public CompiledBackendFixture()
    {
        var options = new CustomBackendOptions { Name = Name, OptionalKeys = ["prefix"] };
        options.ValidateName(_registry, replace: false);
        _registry.Register(AssemblyBackendLoader.Describe(options, MemoryBackendSource.AssemblyPath, MemoryBackendSource.TypeName));
    }

    public Task<BronzeStore> CreateStoreAsync()
    {
        var config = PlatformConfig.FromValues(
            new Dictionary<string, object?> { ["storage_backend"] = Name, ["prefix"] = TestData.UniqueName("bronze") },
            new Dictionary<string, IDictionary<string, object?>> { [Name] = new Dictionary<string, object?> { ["max_delete_batch"] = "7" } });
        return Task.FromResult(BronzeStoreFactory.Create(config, "test", _registry));
    }
}

public sealed class CompiledBackendContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = new CompiledBackendFixture();
}
