using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>One Azurite container per fixture; each store gets a unique prefix in it. Stores are
/// created through the real factory (config in, store out), as Connect-BronzeStorage does.</summary>
public abstract class AzureBackendFixture(AzureTestAuth auth) : IBackendFixture
{
    readonly Lazy<string> _container = new(() => AzuriteServer.NewContainer(auth.ToString().ToLowerInvariant()));

    public string Container => _container.Value;

    /// <summary>Server-side copies above 4 MiB go block by block (Put Block From URL), so the contract's
    /// multi-part copy sizes exercise them.</summary>
    public Task<BronzeStore> CreateStoreAsync()
    {
        var store = BronzeStoreFactory.Create(AzureTestConfig.Build(Container, TestData.UniqueName("store"), auth), "test");
        var backend = (AzureBackend)store.Backend;
        backend.CopyInOneRequestLimit = 4L << 20;
        backend.CopyBlockSize = 4L << 20;
        return Task.FromResult(store);
    }
}

public sealed class AzureConnectionStringFixture() : AzureBackendFixture(AzureTestAuth.ConnectionString);

public sealed class AzureAccountKeyFixture() : AzureBackendFixture(AzureTestAuth.AccountKey);

public sealed class AzureSasFixture() : AzureBackendFixture(AzureTestAuth.Sas);

/// <summary>The contract suite against Azurite, authenticated with a connection string.</summary>
public sealed class AzureBackendContractTests(AzureConnectionStringFixture fixture) : BackendContractTests, IClassFixture<AzureConnectionStringFixture>
{
    protected override IBackendFixture Fixture => fixture;
}

/// <summary>The contract suite through the shared-key path (account_name_env + account_key_env + account_url).</summary>
public sealed class AzureAccountKeyContractTests(AzureAccountKeyFixture fixture) : BackendContractTests, IClassFixture<AzureAccountKeyFixture>
{
    protected override IBackendFixture Fixture => fixture;
}

/// <summary>The contract suite through the SAS path (a container SAS with every permission).</summary>
public sealed class AzureSasContractTests(AzureSasFixture fixture) : BackendContractTests, IClassFixture<AzureSasFixture>
{
    protected override IBackendFixture Fixture => fixture;
}
