using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// Downloads to a local file. One GET is the whole download for objects up to multipart_threshold
/// (no stat first: the response carries the size, ETag and stored MD5). Larger
/// objects continue with parallel ranged GETs pinned to that ETag (If-Match), max_concurrency at once,
/// in parts of at least part_size (see <see cref="ParallelRangeDownload"/>); the first GET supplies
/// only the first part and is then closed. The bytes are checked against the XXH3-128 our large uploads
/// store (mf-xxh128, see <see cref="ContentHasher"/>), else against the stored MD5 when there is one
/// (<see cref="ExpectedMd5"/>), always against the size.
/// </summary>
public sealed partial class S3Backend
{
    public override async Task<RemoteObject> DownloadFileAsync(string key, string localPath, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var file = File.OpenHandle(localPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
        ParallelRangeDownload? download = null;
        var parallel = false;
        try
        {
            using var response = await GetFirstAsync(key, cancellationToken).ConfigureAwait(false);
            // The object's size: from Content-Range when the store answered the range, else the body's length
            // (a store that ignores ranges sends the whole object).
            var size = ParallelRangeDownload.TotalOf(response.ContentRange) ?? response.ContentLength;
            var etag = S3Integrity.CleanETag(response.ETag);
            var expectedMd5 = ExpectedMd5(response);
            var expectedXxh128 = ContentHasher.ParseXxh128(response.Metadata[S3Integrity.Xxh128MetadataHeader]);
            var hash = expectedXxh128 is not null ? ContentHashKind.Xxh128 : expectedMd5 is not null ? ContentHashKind.Md5 : ContentHashKind.None;
            options.Started?.Invoke(new RemoteObject { Key = key, Size = size, ETag = etag, Backend = BackendType });

            parallel = size > response.ContentLength;
            if (parallel && string.IsNullOrEmpty(etag))
                throw new StorageException(StorageErrorKind.Unknown, $"The store sent no ETag for '{key}': its parts cannot be pinned to one version.", key);
            var partSize = PartSizes.For(size, Settings.PartSize, Settings.MaxConcurrency);
            download = new ParallelRangeDownload(file, localPath, key, size, firstLength: response.ContentLength, partSize,
                ParallelRangeDownload.ShortTailPartsFor(hash, Settings.MaxConcurrency));
            var writesOutOfOrder = parallel && Settings.MaxConcurrency > 1;
            if (writesOutOfOrder) options.PrefixComplete?.Invoke(0);
            var digest = await download.RunAsync(response.ResponseStream, (offset, length, ct) => OpenRangeAsync(key, etag!, offset, length, ct),
                Settings.MaxConcurrency, hash, options.Progress,
                writesOutOfOrder ? options.PrefixComplete : null, cancellationToken).ConfigureAwait(false);
            if (hash == ContentHashKind.Xxh128) ContentHasher.VerifyXxh128(key, $"bucket '{Bucket}'", digest!, expectedXxh128!, S3Integrity.CorruptionAdvice);
            else if (hash == ContentHashKind.Md5) S3Integrity.Verify(key, Bucket, digest!, size, size, expectedMd5);
            return new RemoteObject
            {
                Key = key,
                Size = size,
                LastModified = response.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
                ETag = etag,
                ContentMD5 = expectedMd5,
                Backend = BackendType,
            };
        }
        catch (Exception ex)
        {
            if (parallel && download is not null) download.KeepCompletePrefix(options);
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
    }

    /// <summary>The first GET: the first multipart_threshold bytes, which for most objects is all of them.
    /// A range also keeps the SDK from hashing the body a second time (it wraps whole-object GETs in its
    /// own managed MD5 check); an empty object has no first byte (416) and is fetched whole.</summary>
    async Task<GetObjectResponse> GetFirstAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = Bucket, Key = key, ByteRange = new ByteRange(0, Math.Max(Settings.MultipartThreshold, Settings.PartSize) - 1),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when ((int)ex.StatusCode == 416 || ex.ErrorCode == "InvalidRange")
        {
            return await _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One ranged GET of the version being downloaded; a changed object answers 412.</summary>
    async Task<Stream> OpenRangeAsync(string key, string etag, long offset, long length, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            ByteRange = new ByteRange(offset, offset + length - 1),
            EtagToMatch = $"\"{etag}\"",
        };
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when ((int)ex.StatusCode == 412 || ex.ErrorCode == "PreconditionFailed")
        {
            throw new StorageTransientException($"The remote file '{key}' changed while it was being downloaded; download it again.", key, ex);
        }
        if (response.ContentLength != length)
        {
            response.Dispose();
            throw new StorageIntegrityException(
                $"The store answered the range {offset}-{offset + length - 1} of '{key}' with {response.ContentLength} bytes.", key);
        }
        return response.ResponseStream;
    }

    /// <summary>The MD5 the object's bytes must have, when it is known: our metadata, rclone's
    /// (md5chksum, which it stores on multipart uploads), or a single-part ETag.</summary>
    internal static string? ExpectedMd5(GetObjectResponse response)
    {
        var ours = response.Metadata[S3Integrity.MetadataHeader];
        return S3Integrity.KnownMd5(string.IsNullOrWhiteSpace(ours) ? response.Metadata[S3Integrity.RcloneMetadataHeader] : ours, response.ETag,
            response.ServerSideEncryptionMethod?.Value ?? response.ServerSideEncryptionCustomerMethod?.Value);
    }
}
