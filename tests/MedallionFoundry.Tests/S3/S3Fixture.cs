using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// One bucket on the S3 test server per fixture (created through the SDK), and a unique prefix per
/// store, so tests never see each other's objects.
/// </summary>
public class S3Fixture : IBackendFixture, IAsyncLifetime
{
    public S3Fixture() : this(S3TestServer.Endpoint) { }

    protected S3Fixture(string endpoint)
    {
        Endpoint = endpoint;
        Bucket = $"mf-test-{Guid.NewGuid():N}"[..24];
    }

    public string Endpoint { get; }

    public string Bucket { get; }

    public async Task InitializeAsync()
    {
        await using var admin = new S3Backend(Settings(""));
        await admin.Client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
    }

    public Task DisposeAsync() => Task.CompletedTask; // the server's data folder is thrown away after the run

    /// <summary>Settings for this fixture's bucket, as the config would give them for a custom endpoint.</summary>
    public S3Settings Settings(string prefix, bool legacyUnchunked = false, long? partSize = null, long? multipartThreshold = null, long? copyPartSize = null,
        bool forceChunked = false, bool partSizeGrowsWithFile = false) => new()
    {
        ForceChunkedUploads = forceChunked,
        PartSizeGrowsWithFile = partSizeGrowsWithFile,
        Bucket = Bucket,
        Prefix = prefix,
        EndpointUrl = new Uri(Endpoint),
        ForcePathStyle = true,
        ChecksumMode = S3ChecksumMode.WhenRequired,
        LegacyUnchunked = legacyUnchunked,
        PartSize = partSize ?? 16 * S3Settings.MiB,
        MultipartThreshold = multipartThreshold ?? 64 * S3Settings.MiB,
        CopyMultipartThreshold = copyPartSize ?? S3Settings.MaxSinglePut,
        CopyPartSize = copyPartSize ?? 512 * S3Settings.MiB,
        AccessKey = S3TestServer.AccessKey,
        SecretKey = S3TestServer.SecretKey,
    };

    public static string UniquePrefix(string purpose = "store") => $"tests/{TestData.UniqueName(purpose)}";

    public S3Backend CreateBackend(S3Settings settings, RequestCounter? counter = null) =>
        new(settings, counter is null ? null : config => config.HttpClientFactory = counter);

    /// <summary>The main S3 test server has one defect the contract knows by name.</summary>
    public virtual IReadOnlyCollection<string> ServerDefects => [KnownServerDefects.S3rverDeepDelimiterListing];

    /// <summary>Server-side copies above 5 MiB go as UploadPartCopy parts of 5 MiB (S3's smallest), so
    /// the contract's multi-part copy sizes exercise them.</summary>
    public Task<BronzeStore> CreateStoreAsync() =>
        Task.FromResult(new BronzeStore(new S3Backend(Settings(UniquePrefix(), copyPartSize: S3Settings.MinPartSize)), "test"));
}

/// <summary>The same, on s3rver 3.7.1: the "legacy S3-compatible store".</summary>
public sealed class S3LegacyFixture() : S3Fixture(S3TestServer.LegacyEndpoint);
