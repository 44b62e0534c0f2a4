using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>The backend contract through the encrypt layer: local disk, the S3 server, and Azurite under compress + encrypt.</summary>
public sealed class LocalEncryptLayerContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = LayeredFixture.Local(TestKeys.Encrypt);
}

public sealed class S3EncryptLayerContractTests(S3Fixture fixture) : BackendContractTests, IClassFixture<S3Fixture>
{
    protected override IBackendFixture Fixture { get; } = new LayeredFixture(fixture, TestKeys.Encrypt);
}

public sealed class AzureCompressEncryptLayerContractTests(AzureConnectionStringFixture fixture) : BackendContractTests, IClassFixture<AzureConnectionStringFixture>
{
    protected override IBackendFixture Fixture { get; } = new LayeredFixture(fixture, inner => LayeredFixture.Zstd(TestKeys.Encrypt(inner)));
}
