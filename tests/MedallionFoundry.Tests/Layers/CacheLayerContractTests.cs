using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>The backend contract through the cache layer: local disk and the S3 server.</summary>
public sealed class LocalCacheLayerContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = LayeredFixture.Local(inner => new CacheLayer(inner, TestData.TempFolder("cache-contract"), 1L << 30));
}

public sealed class S3CacheLayerContractTests(S3Fixture fixture) : BackendContractTests, IClassFixture<S3Fixture>
{
    protected override IBackendFixture Fixture { get; } = new LayeredFixture(fixture, inner => new CacheLayer(inner, TestData.TempFolder("cache-contract"), 1L << 30));
}
