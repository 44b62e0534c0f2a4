using System.Globalization;
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

    public long PartSize { get; init; } = 16 * MiB;

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

    /// <summary>Reads and validates the S3 settings of a platform config.</summary>
    public static S3Settings FromConfig(PlatformConfig config)
    {
        var bronze = config.Bronze;
        var bucket = bronze.GetString("s3_bucket", required: true)!.Trim();
        if (bucket.Any(c => c == '/' || char.IsWhiteSpace(c) || char.IsControl(c)) || bucket.Length > 255)
            throw bronze.Error("s3_bucket", $"The key 'platform.bronze.s3_bucket' must be a bucket name (no '/', no spaces), not '{bucket}'.");

        string prefix;
        try { prefix = RemotePath.NormalizeConfiguredPrefix(bronze.GetString("s3_prefix")); }
        catch (InvalidRemotePathException ex) { throw bronze.Error("s3_prefix", $"The key 'platform.bronze.s3_prefix' is not a valid prefix: {ex.Message}"); }

        // The section is optional: on AWS with an instance role nothing else is needed.
        var connection = config.Section("s3_connection") ?? new ConfigSection("platform.s3_connection");

        var endpoint = ReadEndpoint(connection);
        var region = (connection.GetString("region") ?? "us-east-1").Trim();
        if (!RegionPattern.IsMatch(region))
            throw connection.Error("region", $"The key '{connection.KeyPath("region")}' must be a region name such as us-east-1, not '{region}'.");

        var checksum = connection.GetString("checksum_mode")?.Trim().ToLowerInvariant() switch
        {
            null => endpoint is null ? S3ChecksumMode.WhenSupported : S3ChecksumMode.WhenRequired,
            "when_required" => S3ChecksumMode.WhenRequired,
            "when_supported" => S3ChecksumMode.WhenSupported,
            var other => throw connection.Error("checksum_mode",
                $"The key '{connection.KeyPath("checksum_mode")}' must be when_required or when_supported, not '{other}'."),
        };

        var partSize = ReadSize(connection, "part_size", 16 * MiB, MinPartSize, MaxSinglePut);
        var threshold = ReadSize(connection, "multipart_threshold", 64 * MiB, MinPartSize, MaxSinglePut);

        var (accessKey, secretKey) = ReadKeys(connection);
        var sessionToken = accessKey is null ? null : connection.GetFromEnvironment("session_token_env");

        return new S3Settings
        {
            Bucket = bucket,
            Prefix = prefix,
            EndpointUrl = endpoint,
            Region = region,
            ForcePathStyle = connection.GetBool("force_path_style") ?? endpoint is not null,
            ChecksumMode = checksum,
            LegacyUnchunked = connection.GetBool("legacy_unchunked") ?? false,
            MultipartThreshold = threshold,
            PartSize = partSize,
            MaxConcurrency = connection.GetInt("max_concurrency", 1, 64) ?? 4,
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = sessionToken,
            StallTimeout = Resilience.ResilienceSettings.ReadStallTimeout(bronze),
        };
    }

    /// <summary>endpoint_url_env (a variable name, the seed's key) or endpoint_url (a plain value, used by
    /// the parameter form of Connect-BronzeStorage); not both.</summary>
    static Uri? ReadEndpoint(ConfigSection connection)
    {
        if (connection.Has("endpoint_url_env") && connection.Has("endpoint_url"))
            throw connection.Error("endpoint_url",
                $"Set only one of '{connection.KeyPath("endpoint_url_env")}' and '{connection.KeyPath("endpoint_url")}'.");
        var key = connection.Has("endpoint_url_env") ? "endpoint_url_env" : "endpoint_url";
        var text = key == "endpoint_url_env" ? connection.GetFromEnvironment(key) : connection.GetString(key);
        if (text is null) return null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            // The value may come from a variable; it is a URL, not a secret, but keep the message short.
            throw connection.Error(key, $"The key '{connection.KeyPath(key)}' must give an http:// or https:// URL, not '{text}'.");
        }
        return uri;
    }

    /// <summary>Keys are used only as a pair; neither means the SDK's default credential chain
    /// (profiles, environment, instance roles). One without the other is a config mistake.</summary>
    static (string? Access, string? Secret) ReadKeys(ConfigSection connection)
    {
        var hasAccess = connection.Has("access_key_env");
        var hasSecret = connection.Has("secret_key_env");
        if (hasAccess != hasSecret)
        {
            var missing = hasAccess ? "secret_key_env" : "access_key_env";
            var present = hasAccess ? "access_key_env" : "secret_key_env";
            throw connection.Error(missing,
                $"The key '{connection.KeyPath(missing)}' is required when '{connection.KeyPath(present)}' is set (keys are used only as a pair).");
        }
        if (!hasAccess) return (null, null);
        return (connection.GetFromEnvironment("access_key_env"), connection.GetFromEnvironment("secret_key_env"));
    }

    static readonly Regex SizePattern = new(@"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>A byte size: "16777216", "16MiB", "16MB" (MB is read as MiB, as S3 tools do), "1GiB".</summary>
    internal static long ReadSize(ConfigSection section, string key, long fallback, long min, long max)
    {
        var text = section.GetString(key);
        if (text is null) return fallback;
        var match = SizePattern.Match(text);
        if (!match.Success)
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be a size such as 16MiB or 8388608, not '{text}'.");
        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value.ToLowerInvariant();
        var scale = unit.Length == 0 || unit == "b" ? 1L : unit[0] switch { 'k' => 1024L, 'm' => MiB, _ => 1024 * MiB };
        var bytes = (long)Math.Round(number * scale);
        if (bytes < min || bytes > max)
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be between {Describe(min)} and {Describe(max)}, not '{text}'.");
        return bytes;
    }

    static string Describe(long bytes) => bytes % (1024 * MiB) == 0 ? $"{bytes / (1024 * MiB)}GiB" : $"{bytes / MiB}MiB";
}
