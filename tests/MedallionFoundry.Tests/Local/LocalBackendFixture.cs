using MedallionFoundry.Backends.Local;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Local;

/// <summary>Each store gets its own new folder on the local disk.</summary>
public sealed class LocalBackendFixture : IBackendFixture
{
    public Task<BronzeStore> CreateStoreAsync()
    {
        var root = TestData.TempFolder("local-store");
        return Task.FromResult(new BronzeStore(new LocalBackend(root), "test"));
    }
}

public sealed class LocalBackendContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = new LocalBackendFixture();
}
