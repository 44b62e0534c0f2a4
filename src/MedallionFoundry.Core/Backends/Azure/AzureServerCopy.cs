using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// Server-side copies between connections to the same storage account (any containers): Copy Blob
/// From URL (synchronous) up to <see cref="CopyInOneRequestLimit"/>, Put Block From URL in parallel
/// blocks plus one commit above it. The service reads the source through a URL authorized by a
/// read-only SAS of a few minutes, signed locally with the source connection's key (or by the source
/// connection's own SAS token); the URL is never logged or put in an error message.
/// </summary>
public sealed partial class AzureBackend
{
    /// <summary>Copy Blob From URL's limit is 256 MiB; larger blobs are copied block by block.</summary>
    internal long CopyInOneRequestLimit { get; set; } = 256L << 20;

    internal long CopyBlockSize { get; set; } = 100L << 20;

    static readonly TimeSpan SourceSasLifetime = TimeSpan.FromMinutes(15);

    public override ServerCopySupport CanCopyServerSide(StorageBackend source)
    {
        if (source is not AzureBackend other)
            return ServerCopySupport.No($"the source is a {source.BackendType} store and the destination Azure");
        if (!string.Equals(AccountUri, other.AccountUri, StringComparison.OrdinalIgnoreCase))
            return ServerCopySupport.No("the two connections are on different storage accounts (or endpoints)");
        if (!other._container.CanGenerateSasUri && other._settings.Auth.Method != AzureAuthMethod.SasToken)
            return ServerCopySupport.No($"the source connection signs in with {other._settings.Auth.Method}, which cannot authorize a copy source URL");
        return ServerCopySupport.Yes("same Azure storage account (Copy Blob From URL; Put Block From URL for large blobs)");
    }

    /// <summary>The account's blob endpoint (the container URL without the container).</summary>
    string AccountUri => _container.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')[..^(_settings.Container.Length + 1)];

    public override async Task<ServerCopyResult> CopyFromAsync(StorageBackend source, string sourceKey, string destinationKey, CopyOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var from = (AzureBackend)source;
        var properties = await from.StatCoreAsync(sourceKey, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageNotFoundException($"The remote file '{sourceKey}' does not exist.", sourceKey);
        await EnsureContainerAsync(destinationKey, cancellationToken).ConfigureAwait(false);

        var target = _container.GetBlockBlobClient(destinationKey);
        var destinationConditions = options.Overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All };
        var sourceConditions = new BlobRequestConditions { IfMatch = properties.ETag };
        try
        {
            if (properties.ContentLength <= CopyInOneRequestLimit)
            {
                var copied = await target.SyncCopyFromUriAsync(from.SourceUri(sourceKey), new BlobCopyFromUriOptions
                {
                    SourceConditions = sourceConditions,
                    DestinationConditions = destinationConditions,
                    Metadata = properties.Metadata,
                }, cancellationToken).ConfigureAwait(false);
                // The copy takes the bytes; the headers (Content-MD5, Content-Type) are set to the source's.
                await target.SetHttpHeadersAsync(HeadersOf(properties), new BlobRequestConditions { IfMatch = copied.Value.ETag }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await CopyInBlocksAsync(from, sourceKey, target, properties, sourceConditions, destinationConditions, options, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, destinationKey, _settings.Container, cancellationToken); }
        // The caller reads the destination's properties back to verify the copy.
        return new ServerCopyResult(Describe(destinationKey, properties) with { LastModified = DateTimeOffset.UtcNow });
    }

    async Task CopyInBlocksAsync(AzureBackend from, string sourceKey, BlockBlobClient target, BlobProperties properties,
        BlobRequestConditions sourceConditions, BlobRequestConditions? destinationConditions, CopyOptions options, CancellationToken cancellationToken)
    {
        var size = properties.ContentLength;
        var count = (int)((size + CopyBlockSize - 1) / CopyBlockSize);
        // Block ids of one length, unique to this copy: a failed copy's uncommitted blocks never mix in.
        var copyId = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, count).Select(i => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{copyId}-{i:D6}"))).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var offset = i * CopyBlockSize;
                var length = Math.Min(CopyBlockSize, size - offset);
                await target.StageBlockFromUriAsync(from.SourceUri(sourceKey), ids[i], new StageBlockFromUriOptions
                {
                    SourceRange = new HttpRange(offset, length),
                    SourceConditions = sourceConditions,
                }, ct).ConfigureAwait(false);
                options.Progress?.Report(length);
            }).ConfigureAwait(false);
        await target.CommitBlockListAsync(ids, new CommitBlockListOptions
        {
            HttpHeaders = HeadersOf(properties),
            Metadata = properties.Metadata,
            Conditions = destinationConditions,
        }, cancellationToken).ConfigureAwait(false);
    }

    static BlobHttpHeaders HeadersOf(BlobProperties properties) => new()
    {
        ContentHash = properties.ContentHash,
        ContentType = properties.ContentType,
        ContentEncoding = properties.ContentEncoding,
        ContentLanguage = properties.ContentLanguage,
        ContentDisposition = properties.ContentDisposition,
        CacheControl = properties.CacheControl,
    };

    /// <summary>A URL the service can read the blob through: a fresh read-only SAS of a few minutes, or
    /// the connection's own SAS token. Holds a secret: never log it.</summary>
    Uri SourceUri(string key)
    {
        var blob = _container.GetBlobClient(key);
        if (_container.CanGenerateSasUri)
            return blob.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.Add(SourceSasLifetime));
        return new UriBuilder(blob.Uri) { Query = _settings.Auth.SasToken!.TrimStart('?') }.Uri;
    }
}
