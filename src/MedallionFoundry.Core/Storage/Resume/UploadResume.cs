using System.Buffers;
using System.Security.Cryptography;

namespace MedallionFoundry.Storage.Resume;

/// <summary>
/// The rules every resumable upload shares (S3 parts, Azure blocks): an upload's state is found by
/// connection target, key and local path; it is resumed only for the same file (size, last write
/// time and whole-content MD5, which covers the first part too) cut into the same part size; each part
/// that lands is recorded with the MD5 of the local bytes it was cut from, so a resume can check them.
/// </summary>
internal static class UploadResume
{
    public static TransferState? Find(string backend, string location, string key, string localPath) =>
        TransferStates.Find(TransferState.Upload, location, key, localPath) is { } state && state.Backend == backend ? state : null;

    public static bool SameFile(TransferState state, long size, DateTime writeTimeUtc, string md5, long partSize) =>
        state.Size == size && state.LocalWriteTimeUtc == writeTimeUtc && state.ContentMD5 == md5 && state.PartSize == partSize && state.UploadId is not null;

    public static TransferState Begin(string backend, string location, string key, string localPath, long size, DateTime writeTimeUtc, string md5, long partSize, string uploadId)
    {
        var state = new TransferState
        {
            Kind = TransferState.Upload, Backend = backend, Location = location, Key = key, LocalPath = Path.GetFullPath(localPath),
            Size = size, LocalWriteTimeUtc = writeTimeUtc, ContentMD5 = md5, PartSize = partSize, UploadId = uploadId,
        };
        TransferStates.Save(state);
        return state;
    }

    /// <summary>Records a part that landed (parts finish on several threads; the state is saved after each).</summary>
    public static void Record(TransferState state, int number, PartRecord part)
    {
        lock (state)
        {
            state.Parts[number] = part;
            TransferStates.Save(state);
        }
    }

    /// <summary>The local file's last write time, as the upload's snapshot saw it.</summary>
    public static DateTime WriteTimeOf(string localPath, UploadOptions options) =>
        options.Source?.LastWriteUtc ?? File.GetLastWriteTimeUtc(localPath);

    /// <summary>Base64 MD5 of <paramref name="length"/> bytes of the file from <paramref name="offset"/>, read in pooled slices.</summary>
    public static async Task<string> Md5OfSliceAsync(string path, long offset, long length, CancellationToken cancellationToken)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(256 << 10); // one per part in flight: kept small (a 1 MiB one per thread stayed in the pool)
        try
        {
            for (long done = 0; done < length;)
            {
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), offset + done, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                md5.AppendData(buffer, 0, read);
                done += read;
            }
            return Convert.ToBase64String(md5.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Base64 MD5 of every part of the file (parts of <paramref name="partSize"/> bytes, the last one shorter),
    /// in one sequential read. Synchronous: the caller runs it on a thread of its own beside the whole-file
    /// hash, which keeps the other core busy, so the parts need no read and no hash of their own later.
    /// </summary>
    public static string[] Md5OfParts(string path, long size, long partSize, CancellationToken cancellationToken)
    {
        var parts = new string[(int)Math.Max(1, (size + partSize - 1) / partSize)];
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(256 << 10);
        try
        {
            for (var part = 0; part < parts.Length; part++)
            {
                var start = part * partSize;
                var length = Math.Min(partSize, size - start);
                for (long done = 0; done < length;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), start + done);
                    if (read == 0) throw new IOException($"The file '{path}' ended at {start + done} bytes while its parts were hashed ({size} expected): it changed during the upload.");
                    md5.AppendData(buffer, 0, read);
                    done += read;
                }
                parts[part] = Convert.ToBase64String(md5.GetHashAndReset());
            }
            return parts;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An ETag that is the hex MD5 of its bytes, as base64; null for other ETags (SSE-KMS, composites).</summary>
    public static string? Md5OfETag(string? etag)
    {
        var clean = etag?.Trim().Trim('"');
        return clean is { Length: 32 } && clean.All(Uri.IsHexDigit) ? Convert.ToBase64String(Convert.FromHexString(clean)) : null;
    }
}
