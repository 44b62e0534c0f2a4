using Amazon.S3;
using Amazon.S3.Model;
using MedallionFoundry.Storage;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// One multipart upload of a local file: parts are sent in parallel, each read by the SDK straight
/// from the file at its offset (FilePath + FilePosition), so memory does not grow with the file.
/// Each part carries the Content-MD5 of its bytes (hashed before the upload, beside the whole file:
/// <see cref="S3Integrity.HashFileAndPartsAsync"/>) and, once it landed, is recorded in the upload's
/// resumable state (docs/resume.md). Ctrl+C or a dropped connection leaves the upload and its state,
/// so the same command run again sends only the parts that are missing; any other failure aborts it,
/// so no partial object and no orphaned parts remain; so does a source file that changed while its
/// parts were read (checked before the completion).
/// </summary>
internal sealed class S3MultipartUpload(
    AmazonS3Client client, S3Settings settings, string key, string localPath, long size, UploadHashes hashes, UploadOptions options)
{
    public long PartSize { get; } = hashes.PartSize;

    public int PartCount { get; } = hashes.PartMd5s.Length;

    readonly string _md5Base64 = Convert.ToBase64String(hashes.Md5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var (state, parts) = await ResumeOrStartAsync(cancellationToken).ConfigureAwait(false);
        var resumed = parts.Any(p => p is not null);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(1, PartCount).Where(n => parts[n - 1] is null),
                new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken },
                async (number, ct) => parts[number - 1] = await UploadPartAsync(state, number, ct).ConfigureAwait(false)).ConfigureAwait(false);

            // The parts were read from the file after its MD5 was: if it changed since, the parts and
            // the MD5 disagree. Do not complete (the abort below leaves the remote as it was).
            options.Source?.EnsureUnchanged(key);
            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = settings.Bucket,
                Key = key,
                UploadId = state.UploadId,
                PartETags = parts.ToList()!,
            };
            if (!options.Overwrite) complete.IfNoneMatch = "*";
            await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (resumed && ex.ErrorCode is "NoSuchUpload" or "InvalidPart")
        {
            // The store no longer has the parts recorded (expired, or aborted by someone else): start over.
            TransferStates.Delete(state);
            await RunAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (TransferStates.KeepsState(S3ErrorMapper.Map(ex, key, settings.Bucket, cancellationToken)))
        {
            throw; // the upload and its state stay: the next run sends only the missing parts
        }
        catch
        {
            await AbortAsync(client, settings.Bucket, key, state.UploadId!).ConfigureAwait(false);
            TransferStates.Delete(state);
            throw;
        }
        TransferStates.Delete(state);
    }

    /// <summary>The upload to continue (with its parts that landed and still match the local bytes), or a new one.</summary>
    async Task<(TransferState State, PartETag?[] Parts)> ResumeOrStartAsync(CancellationToken cancellationToken)
    {
        var parts = new PartETag?[PartCount];
        var writeTime = UploadResume.WriteTimeOf(localPath, options);
        var state = UploadResume.Find("s3", settings.Location, key, localPath);
        if (state is not null && (options.NoResume || !UploadResume.SameFile(state, size, writeTime, _md5Base64, PartSize)))
        {
            // Another file (or -NoResume): the old upload is of no use.
            if (state.UploadId is { } old) await AbortAsync(client, settings.Bucket, key, old).ConfigureAwait(false);
            TransferStates.Delete(state);
            state = null;
        }
        Dictionary<int, PartDetail>? listed = null;
        if (state is not null)
        {
            (listed, var gone) = await ListPartsAsync(state.UploadId!, cancellationToken).ConfigureAwait(false);
            if (gone)
            {
                TransferStates.Delete(state); // expired or aborted elsewhere: a new upload below
                state = null;
            }
        }
        if (state is not null)
        {
            long landed = 0;
            for (var number = 1; number <= PartCount; number++)
            {
                var length = Math.Min(PartSize, size - (number - 1) * PartSize);
                state.Parts.TryGetValue(number, out var recorded);
                PartDetail? present = null;
                if (listed is not null && !listed.TryGetValue(number, out present)) continue; // not on the store
                var etag = S3Integrity.CleanETag(present?.ETag) ?? recorded?.ETag;
                if (etag is null || (present?.Size is { } s && s != length) || (present is null && recorded?.Length != length)) continue;
                // The part's bytes must be this file's: its recorded MD5, or an ETag that is its MD5.
                var local = hashes.PartMd5s[number - 1];
                if ((recorded?.ETag == etag && recorded.Md5 == local) || UploadResume.Md5OfETag(etag) == local)
                {
                    parts[number - 1] = new PartETag(number, etag);
                    landed += length;
                }
            }
            options.Progress?.Report(landed);
            return (state, parts);
        }

        var start = new InitiateMultipartUploadRequest { BucketName = settings.Bucket, Key = key, ContentType = options.ContentType };
        start.Metadata.Add(S3Integrity.MetadataName, _md5Base64); // checked by every later download
        start.Metadata.Add(S3Integrity.Xxh128MetadataName, ContentHasher.Xxh128Text(hashes.Xxh128)); // ... quickly, by parallel ones
        if (!options.Overwrite && options.WriteId is { } writeId) start.Metadata.Add(S3Backend.WriteIdMetadata, writeId);
        var uploadId = (await client.InitiateMultipartUploadAsync(start, cancellationToken).ConfigureAwait(false)).UploadId;
        return (UploadResume.Begin("s3", settings.Location, key, localPath, size, writeTime, _md5Base64, PartSize, uploadId), parts);
    }

    /// <summary>The parts the store holds for the upload (Gone: it has no such upload any more); null parts
    /// when the store cannot list them, as @20minutes/s3rver 5.0 cannot: then the recorded parts are
    /// trusted (still checked against the local bytes), and one the store lost fails the completion, which starts over.</summary>
    async Task<(Dictionary<int, PartDetail>? Parts, bool Gone)> ListPartsAsync(string uploadId, CancellationToken cancellationToken)
    {
        var found = new Dictionary<int, PartDetail>();
        try
        {
            string? marker = null;
            do
            {
                var page = await client.ListPartsAsync(new ListPartsRequest
                {
                    BucketName = settings.Bucket, Key = key, UploadId = uploadId, PartNumberMarker = marker,
                }, cancellationToken).ConfigureAwait(false);
                foreach (var part in page.Parts ?? []) if (part.PartNumber is { } n) found[n] = part;
                marker = page.IsTruncated == true ? page.NextPartNumberMarker?.ToString() : null;
            } while (marker is not null);
            return (found, false);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload") { return (null, true); }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "NotImplemented" or "MethodNotAllowed" || (int)ex.StatusCode is 405 or 501) { return (null, false); }
    }

    async Task<PartETag> UploadPartAsync(TransferState state, int number, CancellationToken cancellationToken)
    {
        var offset = (number - 1) * PartSize;
        var length = Math.Min(PartSize, size - offset);
        var partMd5 = hashes.PartMd5s[number - 1];
        var request = new UploadPartRequest
        {
            BucketName = settings.Bucket,
            Key = key,
            UploadId = state.UploadId,
            PartNumber = number,
            FilePath = localPath,
            FilePosition = offset,
            PartSize = length,
            IsLastPart = number == PartCount,
            MD5Digest = partMd5, // the store checks the part; a resume checks the local bytes against it
            UseChunkEncoding = settings.ChunkedUploads,
        };
        if (options.Progress is { } progress)
            request.StreamTransferProgress += (_, e) => progress.Report(e.IncrementTransferred);
        var response = await client.UploadPartAsync(request, cancellationToken).ConfigureAwait(false);
        var etag = S3Integrity.CleanETag(response.ETag)!;
        UploadResume.Record(state, number, new PartRecord(etag, partMd5, length));
        return new PartETag(number, etag);
    }

    /// <summary>Best effort, not cancellable: the caller's token may be the reason we are here.</summary>
    internal static async Task AbortAsync(AmazonS3Client client, string bucket, string key, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = bucket,
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
