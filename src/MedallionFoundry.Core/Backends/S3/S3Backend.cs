using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// AWS S3 and S3-compatible stores (MinIO, Ceph, appliances) through AWSSDK.S3. One SDK client per
/// instance, i.e. per connection, reused by every call. Small files go up in one PUT with Content-MD5;
/// large files as parallel multipart uploads read straight from disk. Every upload stores the MD5 of
/// its bytes as metadata, and downloads are checked against it (see <see cref="S3Integrity"/>).
/// </summary>
public sealed partial class S3Backend : StorageBackend
{
    public static BackendDescriptor Descriptor { get; } = new()
    {
        Name = "s3",
        Description = "AWS S3 or an S3-compatible store (MinIO, Ceph, on-prem appliances).",
        Options = S3Options.All,
        OwnedSections = [S3Options.Connection],
        IsBuiltIn = true,
        Create = config => new S3Backend(S3Settings.FromConfig(config)),
    };

    readonly AmazonS3Client _client;

    public S3Backend(S3Settings settings) : this(settings, null) { }

    /// <param name="configure">Test hook: adjusts the SDK config (e.g. an HttpClientFactory that counts requests).</param>
    internal S3Backend(S3Settings settings, Action<AmazonS3Config>? configure)
    {
        Settings = settings;
        Prefix = settings.Prefix;
        _client = S3ClientFactory.Create(settings, configure);
    }

    public S3Settings Settings { get; }

    public string Bucket => Settings.Bucket;

    public override string BackendType => "s3";

    public override string Location => Settings.Location;

    public override int MaxDeleteBatchSize => 1000; // the DeleteObjects limit

    public override int DefaultConcurrency => 4;

    internal AmazonS3Client Client => _client;

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Content-MD5 and the metadata hash need the bytes first: such streams go up part by part
        // from memory (no temporary file), hashed on the way (S3StreamUpload).
        if (!content.CanSeek || content.Length - content.Position > S3Settings.MaxSinglePut)
            return await new S3StreamUpload(this, key, content, options).RunAsync(cancellationToken).ConfigureAwait(false);

        var start = content.Position;
        var md5 = await S3Integrity.HashStreamAsync(content, cancellationToken).ConfigureAwait(false);
        content.Position = start;
        return await PutSingleAsync(key, content, content.Length - start, md5, options, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var size = new FileInfo(localPath).Length;
        if (size <= Settings.MultipartThreshold)
        {
            var (md5, _) = await S3Integrity.HashFileAsync(localPath, cancellationToken).ConfigureAwait(false);
            await using var stream = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            return await PutSingleAsync(key, stream, size, md5, options, cancellationToken).ConfigureAwait(false);
        }
        var hashes = await S3Integrity.HashFileAndPartsAsync(localPath, size, Settings.UploadPartSizeFor(size), cancellationToken).ConfigureAwait(false);
        if (!options.Overwrite && await EnsureAbsentAsync(key, options, cancellationToken).ConfigureAwait(false) is { } mine) return mine;
        var upload = new S3MultipartUpload(_client, Settings, key, localPath, size, hashes, options);
        try
        {
            await upload.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
        return await StatAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageNotFoundException($"The remote file '{key}' vanished right after its upload.", key);
    }

    internal async Task<RemoteObject> PutSingleAsync(string key, Stream content, long length, byte[] md5, UploadOptions options, CancellationToken cancellationToken)
    {
        if (!options.Overwrite && await EnsureAbsentAsync(key, options, cancellationToken).ConfigureAwait(false) is { } mine) return mine;
        var md5Base64 = Convert.ToBase64String(md5);
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            InputStream = content,
            AutoCloseStream = false,
            MD5Digest = md5Base64, // Content-MD5: the server checks the bytes it received
            ContentType = options.ContentType,
            UseChunkEncoding = Settings.ChunkedUploads,
        };
        request.Metadata.Add(S3Integrity.MetadataName, md5Base64);
        if (!options.Overwrite && options.WriteId is { } writeId) request.Metadata.Add(WriteIdMetadata, writeId);
        // Atomic on stores that support conditional writes (AWS since 2024); others ignore it,
        // which is why EnsureAbsentAsync checks first.
        if (!options.Overwrite) request.IfNoneMatch = "*";
        if (options.Progress is { } progress)
            request.StreamTransferProgress += (_, e) => progress.Report(e.IncrementTransferred);

        try
        {
            var response = await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            // Some S3-compatible stores ignore Content-MD5; a single-part ETag is the MD5 of what was
            // stored, so bytes damaged on the way show here (and the retry puts the right ones).
            var storedMd5 = S3Integrity.KnownMd5(null, response.ETag, response.ServerSideEncryptionMethod?.Value);
            if (storedMd5 is not null && storedMd5 != md5Base64)
                throw new StorageIntegrityException(
                    $"S3 stored other bytes for '{key}' in bucket '{Bucket}' than were sent (MD5 {storedMd5} stored, {md5Base64} sent): they were damaged on the way, " +
                    "or the store keeps aws-chunked bodies verbatim (then set platform.s3_connection.legacy_unchunked: true).", key);
            return new RemoteObject
            {
                Key = key,
                Size = length,
                LastModified = DateTimeOffset.UtcNow,
                ETag = S3Integrity.CleanETag(response.ETag),
                ContentMD5 = md5Base64,
                Backend = BackendType,
            };
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
    }

    /// <summary>Metadata naming the upload that wrote an object (only on Overwrite = false writes).</summary>
    internal const string WriteIdMetadata = "mf-write-id";

    /// <summary>Overwrite = false on stores that ignore If-None-Match: check first. Another writer can
    /// still slip in between this check and the upload on such stores (documented in docs/backends/s3.md).</summary>
    internal async Task EnsureAbsentAsync(string key, CancellationToken cancellationToken) =>
        await EnsureAbsentAsync(key, UploadOptions.Default, cancellationToken).ConfigureAwait(false);

    /// <summary>As above; returns the object when it is this upload's own earlier success (a retry after
    /// a lost response: it carries our write id), else throws when the key exists.</summary>
    async Task<RemoteObject?> EnsureAbsentAsync(string key, UploadOptions options, CancellationToken cancellationToken)
    {
        GetObjectMetadataResponse existing;
        try
        {
            existing = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (S3ErrorMapper.IsNotFound(ex)) { return null; }
        catch (Exception ex) { throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken); }
        var ours = options.WriteId is { } id && existing.Metadata["x-amz-meta-" + WriteIdMetadata] == id
            && (options.Source is null || existing.ContentLength == options.Source.Length);
        if (!ours) throw new StorageConflictException($"The remote file '{key}' already exists in bucket '{Bucket}'.", key);
        return Describe(key, existing);
    }

    RemoteObject Describe(string key, GetObjectMetadataResponse response) => new()
    {
        Key = key,
        Size = response.ContentLength,
        LastModified = response.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
        ETag = S3Integrity.CleanETag(response.ETag),
        ContentMD5 = S3Integrity.KnownMd5(response.Metadata[S3Integrity.MetadataHeader], response.ETag,
            response.ServerSideEncryptionMethod?.Value ?? response.ServerSideEncryptionCustomerMethod?.Value),
        Backend = BackendType,
    };

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            await using var body = response.ResponseStream;
            options.Started?.Invoke(new RemoteObject { Key = key, Size = response.ContentLength, ETag = S3Integrity.CleanETag(response.ETag), Backend = BackendType });
            var (md5, bytes) = await S3Integrity.CopyAndHashAsync(body, new LocalWriteGuardStream(destination, key), options.Progress, cancellationToken).ConfigureAwait(false);
            var expectedMd5 = ExpectedMd5(response);
            S3Integrity.Verify(key, Bucket, md5, bytes, response.ContentLength, expectedMd5);
            return new RemoteObject
            {
                Key = key,
                Size = bytes,
                LastModified = response.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
                ETag = S3Integrity.CleanETag(response.ETag),
                ContentMD5 = expectedMd5,
                Backend = BackendType,
            };
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
    }

    public override async Task<bool> DiscardUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload") { return true; }
        // @20minutes/s3rver 5.0 has no AbortMultipartUpload (405); the parts stay until the store's own clean-up.
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "NotImplemented" or "MethodNotAllowed" || (int)ex.StatusCode is 405 or 501) { return false; }
        catch (Exception ex) { throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken); }
    }

    public override bool CanResumeDownloads => true;

    /// <summary>A GET of "bytes=offset-" with If-Match: a changed object answers 412 (a conflict).</summary>
    public override async Task<long> DownloadRangeAsync(string key, long offset, string etag, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var request = new GetObjectRequest { BucketName = Bucket, Key = key, ByteRange = new ByteRange($"bytes={offset}-"), EtagToMatch = $"\"{etag}\"" };
            using var response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            await using var body = response.ResponseStream;
            var (_, bytes) = await S3Integrity.CopyAndHashAsync(body, new LocalWriteGuardStream(destination, key), options.Progress, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
    }

    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new ListObjectsV2Request
        {
            BucketName = Bucket,
            Prefix = keyPrefix.Length == 0 ? null : keyPrefix,
            MaxKeys = Math.Clamp(options.PageSize, 1, 1000),
            ContinuationToken = continuationToken,
            Delimiter = options.Recursive ? null : "/",
            // Keys may hold characters XML 1.0 cannot carry (control characters): ask for them URL-encoded.
            Encoding = EncodingType.Url,
        };
        ListObjectsV2Response response;
        try
        {
            response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, keyPrefix.Length == 0 ? null : keyPrefix, Bucket, cancellationToken);
        }

        // Keys come back URL-encoded when the server honours encoding-type=url (AWS does; some
        // S3-compatible servers ignore it and say so by leaving EncodingType out). The SDK does not decode.
        var encoded = response.Encoding == EncodingType.Url;
        string Decode(string key) => encoded ? WebUtility.UrlDecode(key) : key;

        // AWSSDK v4 leaves empty collections null.
        var objects = (response.S3Objects ?? []).Select(o => new RemoteObject
        {
            Key = Decode(o.Key),
            Size = o.Size ?? 0,
            LastModified = o.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
            ETag = S3Integrity.CleanETag(o.ETag),
            Backend = BackendType,
        }).ToList();
        var prefixes = (response.CommonPrefixes ?? []).Select(Decode).ToList();
        var next = response.IsTruncated == true && !string.IsNullOrEmpty(response.NextContinuationToken) ? response.NextContinuationToken : null;
        return new ListPage(objects, prefixes, next);
    }

    public override async Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return Describe(key, response);
        }
        catch (AmazonServiceException ex) when (S3ErrorMapper.IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
    }

    public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (S3ErrorMapper.IsNotFound(ex))
        {
            // already gone: deletes are idempotent
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, key, Bucket, cancellationToken);
        }
    }

    /// <summary>One DeleteObjects request (quiet mode: only failures come back) per call.</summary>
    public override async Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (keys.Count == 0) return [];
        if (keys.Count > MaxDeleteBatchSize)
            throw new ArgumentException($"At most {MaxDeleteBatchSize} keys fit in one S3 DeleteObjects request, not {keys.Count}.", nameof(keys));

        var request = new DeleteObjectsRequest
        {
            BucketName = Bucket,
            Objects = keys.Select(k => new KeyVersion { Key = k }).ToList(),
            Quiet = true,
        };
        List<DeleteError>? errors;
        try
        {
            errors = (await _client.DeleteObjectsAsync(request, cancellationToken).ConfigureAwait(false)).DeleteErrors;
        }
        catch (DeleteObjectsException ex)
        {
            errors = ex.Response?.DeleteErrors;
        }
        catch (Exception ex)
        {
            throw S3ErrorMapper.Map(ex, null, Bucket, cancellationToken);
        }

        var failures = new List<DeleteFailure>();
        foreach (var error in errors ?? [])
        {
            if (S3ErrorMapper.MapDeleteError(error.Key, error.Code, error.Message, Bucket) is { } typed)
                failures.Add(new DeleteFailure(error.Key, typed));
        }
        return failures;
    }

    public override ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
