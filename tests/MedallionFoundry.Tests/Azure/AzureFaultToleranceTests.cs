using MedallionFoundry.Config;
using MedallionFoundry.Tests.Faults;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Azure;

/// <summary>The Azure backend through the fault proxy to Azurite (shared-key auth, account_url at the proxy).</summary>
public sealed class AzureFaultToleranceTests(ITestOutputHelper output) : FaultToleranceTests(output)
{
    readonly string _container = AzuriteServer.NewContainer("faults");

    protected override string ServerUrl => AzuriteServer.BlobEndpoint;

    protected override IDictionary<string, object?> SmallParts => new Dictionary<string, object?> { ["transfer_size"] = "1MiB", ["initial_transfer_size"] = "1MiB" };

    protected override int SmallPartSize => 1 << 20;

    protected override PlatformConfig Config(string endpoint, string prefix, IDictionary<string, object?>? bronze = null, IDictionary<string, object?>? connection = null) =>
        AzureTestConfig.Build(_container, prefix, AzureTestAuth.AccountKey,
            new Dictionary<string, object?>(connection ?? new Dictionary<string, object?>()) { ["account_url"] = endpoint }, extraBronze: bronze);
}
