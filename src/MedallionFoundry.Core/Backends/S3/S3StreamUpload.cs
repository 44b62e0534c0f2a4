using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// Uploads a stream that cannot be hashed up front (a forward-only stream, e.g. a copy from another
/// store) without a temporary file: it is read part by part into pooled buffers, each part sent with
/// its own Content-MD5 (the server checks it) while the whole-content MD5 is computed on the way.
/// At most max_concurrency parts are in flight, so memory is bounded by part size x (concurrency + 1).
/// A stream shorter than one part is a single PUT. When the caller gave the expected MD5
/// (<see cref="UploadOptions.ContentMD5"/>) it is stored up front and a mismatch aborts the upload;
/// otherwise the MD5 is recorded after the fact with a server-side CopyObject onto the object itself.
/// </summary>
internal sealed class S3StreamUpload(S3Backend backend, string key, Stream content, UploadOptions options)
{
    const long MaxBufferedPart = 1L << 30;

    readonly S3Settings _settings = backend.Settings;

    /// <summary>The configured part size, grown so a stream of the announced length fits in 10,000 parts.</summary>
    int PartSize => (int)Math.Min(MaxBufferedPart,
        Math.Max(_settings.PartSize, ((options.Length ?? 0) + S3Settings.MaxParts - 1) / S3Settings.MaxParts));

    public async Task<RemoteObject> RunAsync(CancellationToken cancellationToken)
    {
        var partSize = PartSize;
        var first = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            var read = await ReadPartAsync(first, partSize, cancellationToken).ConfigureAwait(false);
            if (read < partSize)
            {
                var md5 = MD5.HashData(first.AsSpan(0, read));
                CheckExpected(md5);
                using var single = new MemoryStream(first, 0, read, writable: false);
                return await backend.PutSingleAsync(key, single, read, md5, options, cancellationToken).ConfigureAwait(false);
            }
            if (!options.Overwrite) await backend.EnsureAbsentAsync(key, cancellationToken).ConfigureAwait(false);
            var firstPart = first;
            first = null; // from here on the part that sends it returns it to the pool
            var (size, whole) = await MultipartAsync(firstPart, partSize, cancellationToken).ConfigureAwait(false);
            var md5Base64 = Convert.ToBase64String(whole);
            if (options.ContentMD5 is null) await RecordMd5Async(md5Base64, size, cancellationToken).ConfigureAwait(false);
            return new RemoteObject { Key = key, Size = size, LastModified = DateTimeOffset.UtcNow, ContentMD5 = md5Base64, Backend = backend.BackendType };
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, _settings.Bucket, cancellationToken);
        }
        finally
        {
            if (first is not null) ArrayPool<byte>.Shared.Return(first);
        }
    }

    async Task<(long Size, byte[] Md5)> MultipartAsync(byte[] firstPart, int partSize, CancellationToken cancellationToken)
    {
        var client = backend.Client;
        var start = new InitiateMultipartUploadRequest { BucketName = _settings.Bucket, Key = key, ContentType = options.ContentType };
        if (options.ContentMD5 is { } expected) start.Metadata.Add(S3Integrity.MetadataName, expected);
        var uploadId = (await client.InitiateMultipartUploadAsync(start, cancellationToken).ConfigureAwait(false)).UploadId;

        using var failed = new FailFast(cancellationToken);
        using var slots = new SemaphoreSlim(_settings.MaxConcurrency);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var sending = new List<Task<PartETag>>();
        long size = 0;
        try
        {
            var buffer = firstPart;
            var read = partSize;
            for (var number = 1; read > 0; number++)
            {
                if (number > S3Settings.MaxParts)
                    throw new StorageException(StorageErrorKind.Unknown, $"The stream for '{key}' needs more than {S3Settings.MaxParts} parts of {partSize} bytes.", key);
                whole.AppendData(buffer, 0, read);
                size += read;
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                sending.Add(SendPartAsync(uploadId, number, buffer, read, slots, failed));
                buffer = ArrayPool<byte>.Shared.Rent(partSize);
                read = await ReadPartAsync(buffer, partSize, failed.Token).ConfigureAwait(false);
                if (read == 0) ArrayPool<byte>.Shared.Return(buffer);
            }
            var parts = await Task.WhenAll(sending).ConfigureAwait(false);
            var md5 = whole.GetHashAndReset();
            CheckExpected(md5);

            var complete = new CompleteMultipartUploadRequest { BucketName = _settings.Bucket, Key = key, UploadId = uploadId, PartETags = parts.ToList() };
            if (!options.Overwrite) complete.IfNoneMatch = "*";
            await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
            return (size, md5);
        }
        catch (Exception ex)
        {
            failed.Cancel();
            try { await Task.WhenAll(sending).ConfigureAwait(false); } catch (Exception) { } // their buffers go back first
            await AbortAsync(uploadId).ConfigureAwait(false);
            failed.ThrowCause(ex); // the part that failed, not the cancellation it caused here
            throw;
        }
    }

    async Task<PartETag> SendPartAsync(string uploadId, int number, byte[] buffer, int length, SemaphoreSlim slots, FailFast failed)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var request = new UploadPartRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                InputStream = body,
                PartSize = length,
                MD5Digest = Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, length))),
                UseChunkEncoding = _settings.ChunkedUploads,
            };
            var response = await backend.Client.UploadPartAsync(request, failed.Token).ConfigureAwait(false);
            options.Progress?.Report(length);
            return new PartETag(number, response.ETag);
        }
        catch (Exception ex)
        {
            failed.Fail(ex);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            slots.Release();
        }
    }

    async Task<int> ReadPartAsync(byte[] buffer, int partSize, CancellationToken cancellationToken) =>
        await content.ReadAtLeastAsync(buffer.AsMemory(0, partSize), partSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);

    void CheckExpected(byte[] md5)
    {
        if (options.ContentMD5 is not { } expected) return;
        var actual = Convert.ToBase64String(md5);
        if (actual != expected)
            throw new StorageIntegrityException($"The bytes for '{key}' hash to MD5 {actual}, not the {expected} expected; nothing was stored.", key);
    }

    /// <summary>Adds the MD5 metadata to the finished object, server-side (objects up to 5 GiB).</summary>
    async Task RecordMd5Async(string md5Base64, long size, CancellationToken cancellationToken)
    {
        if (size > S3Settings.MaxSinglePut) return;
        var request = new CopyObjectRequest
        {
            SourceBucket = _settings.Bucket,
            SourceKey = key,
            DestinationBucket = _settings.Bucket,
            DestinationKey = key,
            MetadataDirective = S3MetadataDirective.REPLACE,
            ContentType = options.ContentType,
        };
        request.Metadata.Add(S3Integrity.MetadataName, md5Base64);
        await backend.Client.CopyObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    async Task AbortAsync(string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await backend.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _settings.Bucket, Key = key, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The original error matters more; a lifecycle rule cleans up what an abort could not.
        }
    }
}
