using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.S3.Endpoints;
using Amazon.S3.Internal;
using MedallionFoundry.Backends.S3;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// The endpoint shortcut for custom path-style endpoints gives exactly what the SDK's S3 rules give:
/// the same URL and the same signing scheme, for every shape it takes, and it hands every other shape
/// to the rules.
/// </summary>
public sealed class S3PathStyleEndpointsTests
{
    static readonly string[] Endpoints =
    [
        "http://127.0.0.1:9000", "http://127.0.0.1:9000/", "https://minio.example.com", "https://minio.example.com:8443/base",
        "http://localhost:80", "https://store.example.com:443/a/b/", "http://[::1]:9000", "http://127.0.0.1:9000/?x=1",
        "http://MinIO.Example.com:9000", "http://user:secret@127.0.0.1:9000",
    ];

    static S3EndpointParameters Parameters(string endpoint, string? bucket, string region = "us-east-1", bool pathStyle = true,
        bool fips = false, bool dualStack = false, bool globalEndpoint = false, string? key = "landing/day=1/part-0.parquet", string? copySource = null) => new()
    {
        Endpoint = endpoint,
        Bucket = bucket,
        Region = region,
        ForcePathStyle = pathStyle,
        UseFIPS = fips,
        UseDualStack = dualStack,
        Accelerate = false,
        UseGlobalEndpoint = globalEndpoint,
        DisableMultiRegionAccessPoints = false,
        UseArnRegion = true,
        Key = key,
        CopySource = copySource,
    };

    /// <summary>The endpoint's URL, headers and every signing-scheme attribute, as one comparable text.</summary>
    static string Describe(Endpoint endpoint)
    {
        var schemes = (endpoint.Attributes?["authSchemes"] as IEnumerable<object>)?.Cast<IPropertyBag>() ?? [];
        var text = string.Join(" | ", schemes.Select(s => string.Join(", ",
            new[] { "name", "signingName", "signingRegion", "disableDoubleEncoding", "signingRegionSet" }.Select(k => $"{k}={s[k]}"))));
        var headers = endpoint.Headers is null ? "" : string.Join(";", endpoint.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}"));
        return $"{endpoint.URL} [{text}] [{headers}] backend={endpoint.Attributes?["backend"]}";
    }

    public static TheoryData<string> EndpointCases() => [.. Endpoints];

    [Theory]
    [MemberData(nameof(EndpointCases))]
    public void Plain_buckets_get_the_same_endpoint_as_the_sdks_rules(string endpoint)
    {
        var ours = new S3PathStyleEndpoints(endpoint);
        var rules = new AmazonS3EndpointProvider();
        var compared = 0;
        foreach (var bucket in new[] { "bronze", "my.bucket.name", "b-1", "123bucket" })
        foreach (var region in new[] { "us-east-1", "eu-west-1", "local" })
        foreach (var global in new[] { false, true })
        foreach (var (key, copySource) in new[] { ("k", (string?)null), (null, null), ("a/b c+d=e", "src-bucket/x%3Dy") })
        {
            var parameters = Parameters(endpoint, bucket, region, globalEndpoint: global, key: key, copySource: copySource);
            Assert.Equal(Outcome(() => rules.ResolveEndpoint(parameters)), Outcome(() => ours.ResolveEndpoint(parameters)));
            compared++;
        }
        Assert.Equal(4 * 3 * 2 * 3, compared);
    }

    [Fact]
    public void The_url_is_the_endpoint_then_the_bucket_and_the_signature_is_sigv4_for_s3_in_the_requests_region()
    {
        var endpoint = new S3PathStyleEndpoints("http://127.0.0.1:9000").ResolveEndpoint(Parameters("http://127.0.0.1:9000", "bronze", region: "eu-west-1"));
        Assert.Equal("http://127.0.0.1:9000/bronze [name=sigv4, signingName=s3, signingRegion=eu-west-1, disableDoubleEncoding=True, signingRegionSet=] [] backend=",
            Describe(endpoint));
    }

    [Theory]
    [InlineData("arn:aws:s3:us-east-1:123456789012:accesspoint:ap")] // an access point
    [InlineData("Upper_Case")] // a legacy name that needs encoding
    [InlineData("zone--use1-az4--x-s3")] // S3 Express
    [InlineData("")]
    public void Other_bucket_names_go_to_the_sdks_rules(string bucket)
    {
        var parameters = Parameters("http://127.0.0.1:9000", bucket);
        Assert.Equal(Outcome(() => new AmazonS3EndpointProvider().ResolveEndpoint(parameters)),
            Outcome(() => new S3PathStyleEndpoints("http://127.0.0.1:9000").ResolveEndpoint(parameters)));
    }

    [Fact]
    public void Fips_dual_stack_virtual_hosts_the_global_region_and_another_endpoint_go_to_the_sdks_rules()
    {
        var ours = new S3PathStyleEndpoints("http://127.0.0.1:9000");
        var cases = new[]
        {
            Parameters("http://127.0.0.1:9000", "bronze", fips: true),
            Parameters("http://127.0.0.1:9000", "bronze", dualStack: true),
            Parameters("http://127.0.0.1:9000", "bronze", pathStyle: false),
            Parameters("http://127.0.0.1:9000", "bronze", region: "aws-global"),
            Parameters("http://10.0.0.1:9000", "bronze"),
            Parameters("http://127.0.0.1:9000", bucket: null),
        };
        foreach (var parameters in cases)
            Assert.Equal(Outcome(() => new AmazonS3EndpointProvider().ResolveEndpoint(parameters)), Outcome(() => ours.ResolveEndpoint(parameters)));
        // The rules refuse FIPS with a custom endpoint: so does the shortcut, by handing it over.
        Assert.StartsWith("error: A custom endpoint cannot be combined with FIPS", Outcome(() => ours.ResolveEndpoint(cases[0])));
        Assert.Equal("http://10.0.0.1:9000/bronze", ours.ResolveEndpoint(cases[4]).URL);
    }

    static string Outcome(Func<Endpoint> resolve)
    {
        try { return Describe(resolve()); }
        catch (AmazonClientException ex) { return $"error: {ex.Message}"; }
    }

    [Fact]
    public void A_client_for_a_custom_path_style_endpoint_uses_the_shortcut_and_one_for_aws_does_not()
    {
        var custom = S3ClientFactory.Create(new S3Settings { Bucket = "b", EndpointUrl = new Uri("http://127.0.0.1:9000"), ForcePathStyle = true, Region = "us-east-1", AccessKey = "a", SecretKey = "b" });
        var aws = S3ClientFactory.Create(new S3Settings { Bucket = "b", ForcePathStyle = false, Region = "eu-west-1", AccessKey = "a", SecretKey = "b" });
        Assert.IsType<S3PathStyleEndpoints>(custom.Config.EndpointProvider);
        Assert.IsNotType<S3PathStyleEndpoints>(aws.Config.EndpointProvider);
    }
}
