using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// One server-side copy in parallel UploadPartCopy ranges (x-amz-copy-source-range), for objects above
/// the CopyObject limit. The new upload carries the source's content type and metadata (our MD5
/// included); any failure or cancellation aborts it, so no partial object and no orphaned parts remain.
/// </summary>
internal sealed class S3MultipartCopy(
    AmazonS3Client client, S3Settings settings, string sourceBucket, string sourceKey, string key, GetObjectMetadataResponse source, string? md5, CopyOptions options)
{
    long Size => source.ContentLength;

    /// <summary>The configured copy part size (at least S3's 5 MiB), grown to fit in 10,000 parts.</summary>
    long PartSize => Math.Max(Math.Max(settings.CopyPartSize, S3Settings.MinPartSize), (Size + S3Settings.MaxParts - 1) / S3Settings.MaxParts);

    int PartCount => (int)Math.Max(1, (Size + PartSize - 1) / PartSize);

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var start = new InitiateMultipartUploadRequest { BucketName = settings.Bucket, Key = key, ContentType = source.Headers.ContentType };
        foreach (var name in source.Metadata.Keys)
            start.Metadata.Add(name, source.Metadata[name]);
        if (md5 is not null) start.Metadata[S3Integrity.MetadataHeader] = md5;
        var uploadId = (await client.InitiateMultipartUploadAsync(start, cancellationToken).ConfigureAwait(false)).UploadId;
        try
        {
            var parts = new PartETag[PartCount];
            await Parallel.ForEachAsync(Enumerable.Range(1, PartCount),
                new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken },
                async (number, ct) => parts[number - 1] = await CopyPartAsync(uploadId, number, ct).ConfigureAwait(false)).ConfigureAwait(false);

            var complete = new CompleteMultipartUploadRequest { BucketName = settings.Bucket, Key = key, UploadId = uploadId, PartETags = parts.ToList() };
            if (!options.Overwrite) complete.IfNoneMatch = "*";
            return (await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false)).ETag;
        }
        catch
        {
            await AbortAsync(uploadId).ConfigureAwait(false);
            throw;
        }
    }

    async Task<PartETag> CopyPartAsync(string uploadId, int number, CancellationToken cancellationToken)
    {
        var first = (number - 1) * PartSize;
        var last = Math.Min(Size, first + PartSize) - 1;
        var response = await client.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = sourceBucket,
            SourceKey = sourceKey,
            DestinationBucket = settings.Bucket,
            DestinationKey = key,
            UploadId = uploadId,
            PartNumber = number,
            FirstByte = first,
            LastByte = last,
            ETagToMatch = [source.ETag],
        }, cancellationToken).ConfigureAwait(false);
        options.Progress?.Report(last - first + 1);
        return new PartETag(number, response.ETag);
    }

    async Task AbortAsync(string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = settings.Bucket, Key = key, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The original error matters more; a lifecycle rule cleans up what an abort could not.
        }
    }
}
