using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// Server-side copies between connections to the same S3 endpoint with the same credentials (any
/// buckets): one CopyObject up to <see cref="S3Settings.CopyMultipartThreshold"/> (S3's limit is 5 GiB),
/// parallel UploadPartCopy ranges above it. No object byte passes through this machine. The source is
/// pinned by its ETag for the whole copy; a multipart copy is aborted on any failure.
/// </summary>
public sealed partial class S3Backend
{
    public override ServerCopySupport CanCopyServerSide(StorageBackend source)
    {
        if (source is not S3Backend other)
            return ServerCopySupport.No($"the source is a {source.BackendType} store and the destination S3");
        if (EndpointOf(Settings) != EndpointOf(other.Settings))
            return ServerCopySupport.No("the two connections are on different S3 endpoints");
        if (Settings.AccessKey != other.Settings.AccessKey || Settings.SecretKey != other.Settings.SecretKey || Settings.SessionToken != other.Settings.SessionToken)
            return ServerCopySupport.No("the two S3 connections use different credentials");
        return ServerCopySupport.Yes("same S3 endpoint and credentials (CopyObject; UploadPartCopy above the multipart copy limit)");
    }

    /// <summary>The service a connection talks to: its endpoint, or the AWS region.</summary>
    static string EndpointOf(S3Settings settings) =>
        settings.EndpointUrl?.GetLeftPart(UriPartial.Authority).ToLowerInvariant() ?? $"aws:{settings.Region}";

    public override async Task<ServerCopyResult> CopyFromAsync(StorageBackend source, string sourceKey, string destinationKey, CopyOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var from = (S3Backend)source;
        GetObjectMetadataResponse head;
        try
        {
            head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = from.Bucket, Key = sourceKey }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (S3ErrorMapper.IsNotFound(ex))
        {
            throw new StorageNotFoundException($"The remote file '{sourceKey}' does not exist.", sourceKey, ex);
        }
        catch (Exception ex) { throw S3ErrorMapper.Map(ex, sourceKey, from.Bucket, cancellationToken); }

        if (!options.Overwrite) await EnsureAbsentAsync(destinationKey, cancellationToken).ConfigureAwait(false);
        var md5 = S3Integrity.KnownMd5(head.Metadata[S3Integrity.MetadataHeader], head.ETag,
            head.ServerSideEncryptionMethod?.Value ?? head.ServerSideEncryptionCustomerMethod?.Value);
        var size = head.ContentLength;
        string? etag;
        try
        {
            etag = size <= Settings.CopyMultipartThreshold
                ? await CopyInOneRequestAsync(from.Bucket, sourceKey, destinationKey, head, md5, cancellationToken).ConfigureAwait(false)
                : await new S3MultipartCopy(_client, Settings, from.Bucket, sourceKey, destinationKey, head, md5, options).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) { throw S3ErrorMapper.Map(ex, destinationKey, Bucket, cancellationToken); }
        return new ServerCopyResult(new RemoteObject
        {
            Key = destinationKey,
            Size = size,
            LastModified = DateTimeOffset.UtcNow,
            ETag = S3Integrity.CleanETag(etag),
            ContentMD5 = md5,
            Backend = BackendType,
        });
    }

    /// <summary>CopyObject keeps the metadata (our MD5 included). The server computes the new ETag from the
    /// bytes it wrote: for a single-part result that is their MD5, checked against the source's.</summary>
    async Task<string?> CopyInOneRequestAsync(string sourceBucket, string sourceKey, string destinationKey, GetObjectMetadataResponse head, string? md5, CancellationToken cancellationToken)
    {
        var request = new CopyObjectRequest
        {
            SourceBucket = sourceBucket,
            SourceKey = sourceKey,
            DestinationBucket = Bucket,
            DestinationKey = destinationKey,
            ETagToMatch = head.ETag,
            MetadataDirective = S3MetadataDirective.COPY,
        };
        var response = await _client.CopyObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var written = S3Integrity.KnownMd5(null, response.ETag, response.ServerSideEncryptionMethod?.Value);
        if (md5 is not null && written is not null && written != md5)
            throw new StorageIntegrityException($"The server-side copy of '{sourceKey}' to '{destinationKey}' has MD5 {written}, the source {md5}.", destinationKey);
        return response.ETag;
    }
}
