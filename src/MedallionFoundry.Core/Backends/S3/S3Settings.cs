using System.Text.RegularExpressions;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>Which checksums the SDK computes on requests and validates on responses.</summary>
public enum S3ChecksumMode
{
    /// <summary>Only where the API demands one (DeleteObjects). What S3-compatible stores expect.</summary>
    WhenRequired,

    /// <summary>The SDK default on AWS: a CRC32 trailer on every upload, validated on download.</summary>
    WhenSupported,
}

/// <summary>
/// Everything the S3 backend needs, read from platform.bronze (s3_bucket, s3_prefix) and
/// platform.s3_connection. Every bad value is a <see cref="ConfigException"/> naming its key.
/// Holds the resolved keys: never print it (ToString hides them).
/// </summary>
public sealed class S3Settings
{
    public const long MiB = 1024 * 1024;

    /// <summary>S3's smallest part (except the last) and its largest single PUT / part.</summary>
    public const long MinPartSize = 5 * MiB;
    public const long MaxSinglePut = 5L * 1024 * MiB;
    public const int MaxParts = 10_000;

    public required string Bucket { get; init; }

    /// <summary>Normalised key prefix ("" for none).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Endpoint of an S3-compatible store; null for AWS.</summary>
    public Uri? EndpointUrl { get; init; }

    public string Region { get; init; } = "us-east-1";

    public bool ForcePathStyle { get; init; }

    public S3ChecksumMode ChecksumMode { get; init; } = S3ChecksumMode.WhenSupported;

    /// <summary>Send uploads as plain signed bodies instead of aws-chunked ones (legacy stores).</summary>
    public bool LegacyUnchunked { get; init; }

    /// <summary>Whether request bodies go aws-chunked (streaming signatures). Not on plain-http
    /// endpoints: there the SDK can only sign chunk by chunk, which costs the server far more CPU than a
    /// plain body signed once (about 3x on the S3 test server); over https (and AWS) the SDK default stays.</summary>
    public bool ChunkedUploads => !LegacyUnchunked && (ForceChunkedUploads || EndpointUrl?.Scheme != Uri.UriSchemeHttp);

    /// <summary>Test hook: aws-chunked bodies even over plain http (as over https).</summary>
    internal bool ForceChunkedUploads { get; init; }

    /// <summary>Files larger than this go up as multipart uploads.</summary>
    public long MultipartThreshold { get; init; } = 64 * MiB;

    /// <summary>part_size: the part size of uploads (and the smallest range of parallel downloads).</summary>
    public long PartSize { get; init; } = 16 * MiB;

    /// <summary>Whether uploads grow the part with the file (part_size not set; see <see cref="PartSizes"/>).</summary>
    public bool PartSizeGrowsWithFile { get; init; }

    /// <summary>The part size of a multipart upload of <paramref name="size"/> bytes.</summary>
    public long UploadPartSizeFor(long size) => PartSizes.ForUpload(size, PartSize, PartSizeGrowsWithFile, MaxConcurrency, MaxParts);

    /// <summary>Server-side copies of objects up to this size are one CopyObject (S3's limit: 5 GiB);
    /// larger ones are UploadPartCopy parts of <see cref="CopyPartSize"/>, in parallel.</summary>
    public long CopyMultipartThreshold { get; init; } = MaxSinglePut;

    public long CopyPartSize { get; init; } = 512 * MiB;

    /// <summary>Parts of one file sent at once.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>platform.bronze.stall_timeout (see ResilienceSettings): a request with no bytes moving this long fails.</summary>
    public TimeSpan StallTimeout { get; init; } = Resilience.ResilienceSettings.DefaultStallTimeout;

    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    public string? SessionToken { get; init; }

    public bool HasKeys => AccessKey is not null && SecretKey is not null;

    /// <summary>"s3://bucket/prefix (endpoint)": for display, without secrets.</summary>
    public string Location =>
        $"s3://{Bucket}/{Prefix}" + (EndpointUrl is null ? $" (AWS {Region})" : $" ({EndpointUrl.GetLeftPart(UriPartial.Authority)})");

    public override string ToString() => Location;

    static readonly Regex RegionPattern = new("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant);

    /// <summary>Reads and validates the S3 settings of a platform config (options declared in <see cref="S3Options"/>).</summary>
    public static S3Settings FromConfig(PlatformConfig config)
    {
        var platform = config.Platform;
        var bronze = config.Bronze;
        var bucket = platform.String(S3Options.Bucket)!.Trim();
        if (bucket.Any(c => c == '/' || char.IsWhiteSpace(c) || char.IsControl(c)) || bucket.Length > 255)
            throw bronze.Error(S3Options.Bucket.Key, $"The key '{S3Options.Bucket.FullKey}' must be a bucket name (no '/', no spaces), not '{bucket}'.");

        string prefix;
        try { prefix = RemotePath.NormalizeConfiguredPrefix(platform.String(S3Options.Prefix)); }
        catch (InvalidRemotePathException ex) { throw bronze.Error(S3Options.Prefix.Key, $"The key '{S3Options.Prefix.FullKey}' is not a valid prefix: {ex.Message}"); }

        // The section is optional: on AWS with an instance role nothing else is needed.
        var connection = platform.Find(S3Options.Connection) ?? new ConfigSection(S3Options.Connection);

        var endpoint = ReadEndpoint(platform, connection);
        var region = platform.String(S3Options.Region)!.Trim();
        if (!RegionPattern.IsMatch(region))
            throw connection.Error(S3Options.Region.Key, $"The key '{S3Options.Region.FullKey}' must be a region name such as us-east-1, not '{region}'.");

        var checksum = platform.String(S3Options.ChecksumMode) switch
        {
            null => endpoint is null ? S3ChecksumMode.WhenSupported : S3ChecksumMode.WhenRequired,
            "when_required" => S3ChecksumMode.WhenRequired,
            _ => S3ChecksumMode.WhenSupported,
        };

        var (accessKey, secretKey) = ReadKeys(platform, connection);
        var sessionToken = accessKey is null ? null : platform.String(S3Options.SessionTokenEnv);

        return new S3Settings
        {
            Bucket = bucket,
            Prefix = prefix,
            EndpointUrl = endpoint,
            Region = region,
            ForcePathStyle = platform.Bool(S3Options.ForcePathStyle) ?? endpoint is not null,
            ChecksumMode = checksum,
            LegacyUnchunked = platform.Bool(S3Options.LegacyUnchunked)!.Value,
            MultipartThreshold = platform.Size(S3Options.MultipartThreshold)!.Value,
            PartSize = platform.Size(S3Options.PartSize)!.Value,
            PartSizeGrowsWithFile = !platform.IsSet(S3Options.PartSize),
            MaxConcurrency = platform.Int(S3Options.MaxConcurrency)!.Value,
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = sessionToken,
            StallTimeout = Resilience.ResilienceSettings.ReadStallTimeout(bronze),
        };
    }

    /// <summary>endpoint_url_env (a variable name, the seed's key) or endpoint_url (a plain value, used by
    /// the parameter form of Connect-BronzeStorage); not both.</summary>
    static Uri? ReadEndpoint(ConfigSection platform, ConfigSection connection)
    {
        var fromVariable = platform.IsSet(S3Options.EndpointUrlEnv);
        if (fromVariable && platform.IsSet(S3Options.EndpointUrl))
            throw connection.Error(S3Options.EndpointUrl.Key, $"Set only one of '{S3Options.EndpointUrlEnv.FullKey}' and '{S3Options.EndpointUrl.FullKey}'.");
        var option = fromVariable ? S3Options.EndpointUrlEnv : S3Options.EndpointUrl;
        var text = platform.String(option);
        if (text is null) return null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            // A value read from a variable is never echoed: the name may be wrong and point at a secret.
            var shown = fromVariable ? connection.DescribeVariable(option.Key) + " does not hold one" : $"not '{text}'";
            throw connection.Error(option.Key, $"The key '{option.FullKey}' must give an http:// or https:// URL; {shown}.");
        }
        return uri;
    }

    /// <summary>Keys are used only as a pair; neither means the SDK's default credential chain
    /// (profiles, environment, instance roles). One without the other is a config mistake.</summary>
    static (string? Access, string? Secret) ReadKeys(ConfigSection platform, ConfigSection connection)
    {
        var hasAccess = platform.IsSet(S3Options.AccessKeyEnv);
        var hasSecret = platform.IsSet(S3Options.SecretKeyEnv);
        if (hasAccess != hasSecret)
        {
            var (missing, present) = hasAccess ? (S3Options.SecretKeyEnv, S3Options.AccessKeyEnv) : (S3Options.AccessKeyEnv, S3Options.SecretKeyEnv);
            throw connection.Error(missing.Key,
                $"The key '{missing.FullKey}' is required when '{present.FullKey}' is set (keys are used only as a pair).");
        }
        if (!hasAccess) return (null, null);
        return (platform.String(S3Options.AccessKeyEnv), platform.String(S3Options.SecretKeyEnv));
    }
}
