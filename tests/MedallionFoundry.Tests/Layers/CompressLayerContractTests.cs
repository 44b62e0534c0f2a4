using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>The backend contract through the compress layer: local disk (zstd and gzip), the S3 server, Azurite.</summary>
public sealed class LocalZstdLayerContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = LayeredFixture.Local(LayeredFixture.Zstd);
}

public sealed class LocalGzipLayerContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = LayeredFixture.Local(LayeredFixture.Gzip);
}

public sealed class S3ZstdLayerContractTests(S3Fixture fixture) : BackendContractTests, IClassFixture<S3Fixture>
{
    protected override IBackendFixture Fixture { get; } = new LayeredFixture(fixture, LayeredFixture.Zstd);
}

public sealed class AzureZstdLayerContractTests(AzureConnectionStringFixture fixture) : BackendContractTests, IClassFixture<AzureConnectionStringFixture>
{
    protected override IBackendFixture Fixture { get; } = new LayeredFixture(fixture, LayeredFixture.Zstd);
}
