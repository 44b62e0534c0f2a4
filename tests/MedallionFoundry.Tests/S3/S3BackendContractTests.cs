using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>The backend contract against the S3 test server (@20minutes/s3rver 5.0.0). The fixture names
/// the server's one known defect (<see cref="KnownServerDefects.S3rverDeepDelimiterListing"/>); the
/// contract asserts that defect instead of the right answer there, and S3ServerKnownDefects shows it.</summary>
public sealed class S3BackendContractTests(S3Fixture fixture) : BackendContractTests, IClassFixture<S3Fixture>
{
    protected override IBackendFixture Fixture => fixture;
}
