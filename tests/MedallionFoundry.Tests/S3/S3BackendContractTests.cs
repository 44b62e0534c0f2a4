using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>The backend contract against the S3 test server (@20minutes/s3rver 5.0.0). Nothing is
/// overridden: a contract test this server cannot pass fails here, by name.</summary>
public sealed class S3BackendContractTests(S3Fixture fixture) : BackendContractTests, IClassFixture<S3Fixture>
{
    protected override IBackendFixture Fixture => fixture;
}
