namespace MedallionFoundry.Tests.S3;

/// <summary>The S3 servers the harness starts (tests/servers/TestServers.psm1). A missing variable
/// fails the test: these tests never skip.</summary>
public static class S3TestServer
{
    public static string Endpoint => Required("MF_TEST_S3_ENDPOINT");

    public static string AccessKey => Required("MF_TEST_S3_ACCESS_KEY");

    public static string SecretKey => Required("MF_TEST_S3_SECRET_KEY");

    /// <summary>s3rver 3.7.1, which stores aws-chunked bodies verbatim (same keys as the main server).</summary>
    public static string LegacyEndpoint => Required("MF_TEST_S3LEGACY_ENDPOINT");

    public static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The environment variable {name} is not set: start the test servers (build.ps1 Test, or Start-TestServers from tests/servers/TestServers.psm1).");
}
