using MedallionFoundry.Config;
using MedallionFoundry.Tests.Faults;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.S3;

/// <summary>The S3 backend through the fault proxy to the S3 test server.</summary>
public sealed class S3FaultToleranceTests(S3Fixture fixture, ITestOutputHelper output) : FaultToleranceTests(output), IClassFixture<S3Fixture>
{
    protected override string ServerUrl => fixture.Endpoint;

    protected override IDictionary<string, object?> SmallParts => new Dictionary<string, object?> { ["multipart_threshold"] = "5MiB", ["part_size"] = "5MiB" };

    protected override int SmallPartSize => 5 << 20;

    protected override PlatformConfig Config(string endpoint, string prefix, IDictionary<string, object?>? bronze = null, IDictionary<string, object?>? connection = null) => PlatformConfig.FromValues(
        new Dictionary<string, object?>(bronze ?? new Dictionary<string, object?>()) { ["storage_backend"] = "s3", ["s3_bucket"] = fixture.Bucket, ["s3_prefix"] = prefix },
        new Dictionary<string, IDictionary<string, object?>>
        {
            ["s3_connection"] = new Dictionary<string, object?>(connection ?? new Dictionary<string, object?>())
            {
                ["endpoint_url"] = endpoint,
                ["access_key_env"] = "MF_TEST_S3_ACCESS_KEY",
                ["secret_key_env"] = "MF_TEST_S3_SECRET_KEY",
            },
        });
}
