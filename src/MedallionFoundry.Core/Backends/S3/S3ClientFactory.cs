using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace MedallionFoundry.Backends.S3;

/// <summary>Builds the one <see cref="AmazonS3Client"/> a backend instance (a connection) uses.</summary>
internal static class S3ClientFactory
{
    /// <summary>
    /// The SDK retries at most twice. The resilience layer (OperationRunner) owns retries, backoff and
    /// the circuit breaker; the SDK's own default (3 retries with backoff, multiplied by ours) would
    /// turn one bad moment into a retry storm. Access-denied errors are never retried by either.
    /// </summary>
    public const int SdkMaxErrorRetry = 2;

    public static AmazonS3Client Create(S3Settings settings, Action<AmazonS3Config>? configure = null)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle,
            MaxErrorRetry = SdkMaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            RequestChecksumCalculation = settings.ChecksumMode == S3ChecksumMode.WhenRequired
                ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = settings.ChecksumMode == S3ChecksumMode.WhenRequired
                ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
            HttpClientFactory = new S3HttpClientFactory(settings.StallTimeout),
            // The SDK copies request bodies to the socket through a buffer of this size (8 KiB by default:
            // 2,048 writes per 16 MiB part), rented from the shared pool. Each read allocates in the SDK's
            // stream wrappers (~300 B): at 64 KiB that was ~10 MiB of garbage per 2 GiB, at 256 KiB a quarter.
            BufferSize = 256 * 1024,
            // Progress events are raised on thread-pool items: one per MiB, not one per 100 KB.
            ProgressUpdateInterval = 1 << 20,
        };
        if (settings.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = settings.Region;
            if (settings.ForcePathStyle) config.EndpointProvider = new S3PathStyleEndpoints(config.ServiceURL);
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }
        configure?.Invoke(config);

        var client = settings.HasKeys ? new AmazonS3Client(Credentials(settings), config) : new AmazonS3Client(config); // else the SDK's default chain
        S3CopySource.Install(client);
        return client;
    }

    static AWSCredentials Credentials(S3Settings settings) => settings.SessionToken is null
        ? new BasicAWSCredentials(settings.AccessKey, settings.SecretKey)
        : new SessionAWSCredentials(settings.AccessKey, settings.SecretKey, settings.SessionToken);
}
