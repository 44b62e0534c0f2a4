using System.Buffers;
using System.Security.Cryptography;
using MedallionFoundry.Storage;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// End-to-end integrity for S3 objects. Every upload stores the MD5 of the original bytes as object
/// metadata (x-amz-meta-mf-md5, base64), and single-part uploads also send it as Content-MD5 so the
/// server checks it on arrival. Downloads hash what they receive and compare it with that metadata
/// or, for objects written by other tools, with rclone's md5chksum metadata or a single-part ETag
/// (which is the MD5 of the bytes).
/// The metadata matters: a store that saves a corrupted body also computes its ETag from the
/// corrupted bytes, so an ETag check alone would pass.
/// </summary>
internal static class S3Integrity
{
    /// <summary>The metadata name, without the x-amz-meta- prefix the SDK adds.</summary>
    public const string MetadataName = "mf-md5";
    public const string MetadataHeader = "x-amz-meta-" + MetadataName;

    /// <summary>The XXH3-128 of the bytes (hex), stored beside the MD5 by multipart uploads of files: what
    /// their parallel downloads check, at a fraction of the CPU of an MD5 (see <see cref="ContentHasher"/>).</summary>
    public const string Xxh128MetadataName = "mf-xxh128";
    public const string Xxh128MetadataHeader = "x-amz-meta-" + Xxh128MetadataName;

    /// <summary>Where rclone stores the base64 MD5 of the files it uploads in parts (its multipart ETags are no MD5).</summary>
    public const string RcloneMetadataHeader = "x-amz-meta-md5chksum";

    /// <summary>The size of the parts' and downloads' buffers too: the shared pool then hands the same arrays
    /// from one use to the next, where a 1 MiB one stayed in the pool for the rest of the process.</summary>
    const int BufferSize = 256 << 10;

    /// <summary>The MD5 and the XXH3-128 of a file, in one read.</summary>
    public static async Task<(byte[] Md5, byte[] Xxh128)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var xxh128 = new ContentHasher(ContentHashKind.Xxh128);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, read);
                xxh128.Append(buffer.AsSpan(0, read));
            }
            return (md5.GetHashAndReset(), xxh128.Finish());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// What a multipart upload of a file needs before its first part: the MD5 and XXH3-128 of the whole
    /// file (stored as metadata) and the MD5 of each part (its Content-MD5, and its record for a resume).
    /// The two run side by side, each reading the file once: the whole-file MD5 cannot be split and nothing
    /// else runs yet, so with a second core the part MD5s cost no time here. Computed with each part, they
    /// took CPU from the upload itself (~0.75 s per 512 MiB: the upload was ~4 % slower on 2 cores,
    /// bench/ANALYSIS.md round 11).
    /// </summary>
    public static async Task<UploadHashes> HashFileAndPartsAsync(string path, long size, long partSize, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var parts = Task.Run(() => UploadResume.Md5OfParts(path, size, partSize, stop.Token), stop.Token);
        try
        {
            var (md5, xxh128) = await HashFileAsync(path, stop.Token).ConfigureAwait(false);
            return new UploadHashes(md5, xxh128, partSize, await parts.ConfigureAwait(false));
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await parts.ConfigureAwait(false); } catch (Exception) { } // the first failure is the one to report
            throw;
        }
    }

    /// <summary>MD5 of a stream from its position to its end (the caller rewinds it).</summary>
    public static async Task<byte[]> HashStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                md5.AppendData(buffer, 0, read);
            return md5.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, hashing on the way.</summary>
    public static async Task<(byte[] Md5, long Bytes)> CopyAndHashAsync(Stream source, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                progress?.Report(read);
            }
            return (md5.GetHashAndReset(), total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The ETag without its quotes.</summary>
    public static string? CleanETag(string? etag) => etag?.Trim().Trim('"');

    /// <summary>The base64 MD5 of an object when it is known: from our metadata, else from a
    /// single-part ETag (32 hex digits) of an unencrypted object.</summary>
    public static string? KnownMd5(string? metadataMd5, string? etag, string? serverSideEncryption)
    {
        if (!string.IsNullOrWhiteSpace(metadataMd5)) return metadataMd5.Trim();
        var clean = CleanETag(etag);
        // With SSE-KMS or SSE-C the ETag is not the MD5 of the content; multipart ETags end in "-N".
        var encrypted = serverSideEncryption is not null && serverSideEncryption.Contains("kms", StringComparison.OrdinalIgnoreCase);
        if (clean is null || clean.Length != 32 || encrypted || !clean.All(Uri.IsHexDigit)) return null;
        return Convert.ToBase64String(Convert.FromHexString(clean));
    }

    /// <summary>What a checksum mismatch on S3 most often means, and its remedy.</summary>
    public const string CorruptionAdvice =
        " The store may have saved a corrupted body: for stores that keep aws-chunked bodies verbatim, set platform.s3_connection.legacy_unchunked: true.";

    /// <summary>Throws when the bytes received do not match what was stored.</summary>
    public static void Verify(string key, string bucket, byte[] actualMd5, long actualBytes, long? expectedBytes, string? expectedMd5)
    {
        if (expectedBytes is { } size && size >= 0 && size != actualBytes)
            throw new StorageIntegrityException(
                $"The download of '{key}' from bucket '{bucket}' is incomplete: {actualBytes} bytes received, {size} expected.", key);
        if (expectedMd5 is null) return;
        var actual = Convert.ToBase64String(actualMd5);
        if (!string.Equals(actual, expectedMd5, StringComparison.Ordinal))
            throw new StorageIntegrityException(
                $"The bytes of '{key}' from bucket '{bucket}' do not match the checksum stored with the object (MD5 {actual} received, {expectedMd5} stored).{CorruptionAdvice}", key);
    }
}

/// <summary>The hashes of a file a multipart upload sends: see <see cref="S3Integrity.HashFileAndPartsAsync"/>.</summary>
internal sealed record UploadHashes(byte[] Md5, byte[] Xxh128, long PartSize, string[] PartMd5s);
