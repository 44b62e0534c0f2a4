using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// One multipart upload of a local file: parts are sent in parallel, each read by the SDK straight
/// from the file at its offset (FilePath + FilePosition), so memory does not grow with the file.
/// Any failure or cancellation aborts the upload, so no partial object and no orphaned parts remain;
/// so does a source file that changed while its parts were read (checked before the completion).
/// </summary>
internal sealed class S3MultipartUpload(
    AmazonS3Client client, S3Settings settings, string key, string localPath, long size, byte[] md5, UploadOptions options)
{
    /// <summary>The configured part size, grown when the file would need more than 10,000 parts.</summary>
    public long PartSize { get; } = Math.Max(settings.PartSize, (size + S3Settings.MaxParts - 1) / S3Settings.MaxParts);

    public int PartCount => (int)Math.Max(1, (size + PartSize - 1) / PartSize);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var md5Base64 = Convert.ToBase64String(md5);
        var start = new InitiateMultipartUploadRequest { BucketName = settings.Bucket, Key = key, ContentType = options.ContentType };
        start.Metadata.Add(S3Integrity.MetadataName, md5Base64); // checked by every later download
        if (!options.Overwrite && options.WriteId is { } writeId) start.Metadata.Add(S3Backend.WriteIdMetadata, writeId);
        var uploadId = (await client.InitiateMultipartUploadAsync(start, cancellationToken).ConfigureAwait(false)).UploadId;

        try
        {
            var parts = new PartETag[PartCount];
            await Parallel.ForEachAsync(Enumerable.Range(1, PartCount),
                new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken },
                async (number, ct) => parts[number - 1] = await UploadPartAsync(uploadId, number, ct).ConfigureAwait(false)).ConfigureAwait(false);

            // The parts were read from the file after its MD5 was: if it changed since, the parts and
            // the MD5 disagree. Do not complete (the abort below leaves the remote as it was).
            options.Source?.EnsureUnchanged(key);
            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = settings.Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = parts.ToList(),
            };
            if (!options.Overwrite) complete.IfNoneMatch = "*";
            await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(uploadId).ConfigureAwait(false);
            throw;
        }
    }

    async Task<PartETag> UploadPartAsync(string uploadId, int number, CancellationToken cancellationToken)
    {
        var offset = (number - 1) * PartSize;
        var request = new UploadPartRequest
        {
            BucketName = settings.Bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = number,
            FilePath = localPath,
            FilePosition = offset,
            PartSize = Math.Min(PartSize, size - offset),
            IsLastPart = number == PartCount,
            UseChunkEncoding = settings.ChunkedUploads,
        };
        if (options.Progress is { } progress)
            request.StreamTransferProgress += (_, e) => progress.Report(e.IncrementTransferred);
        var response = await client.UploadPartAsync(request, cancellationToken).ConfigureAwait(false);
        return new PartETag(number, response.ETag);
    }

    /// <summary>Best effort, not cancellable: the caller's token may be the reason we are here.</summary>
    async Task AbortAsync(string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = settings.Bucket,
                Key = key,
                UploadId = uploadId,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The original error matters more; a lifecycle rule cleans up what an abort could not.
        }
    }
}
