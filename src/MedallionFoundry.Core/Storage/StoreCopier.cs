using System.IO.Pipelines;
using MedallionFoundry.Backends.Azure;

namespace MedallionFoundry.Storage;

/// <summary>
/// Copies one remote file between two stores (or within one). Server-side when the destination
/// backend says it can copy from the source's (<see cref="StorageBackend.CanCopyServerSide"/>);
/// otherwise streamed: the source's download writes into a small bounded pipe the destination's
/// upload reads from, so no temporary file is made and memory stays flat. The streamed bytes are
/// hashed and checked against the source's MD5 before the writer is closed, so a destination never
/// commits bytes that do not match. Every copy is then checked at the destination (size, and hash
/// where one is known); a move additionally reads the destination back when no stored hash proves it.
/// </summary>
internal static class StoreCopier
{
    /// <summary>Bytes the pipe holds before the download waits for the upload.</summary>
    const int PipeLimit = 1 << 20;

    public static async Task<CopyResult> CopyAsync(BronzeStore from, string sourcePath, BronzeStore to, string destinationPath, CopyOptions options, CancellationToken cancellationToken)
    {
        var sourceKey = from.KeyFor(sourcePath);
        var destinationKey = to.KeyFor(destinationPath);
        if (ReferenceEquals(from.Backend, to.Backend) && sourceKey == destinationKey)
            throw new StorageConflictException($"The remote file '{sourcePath}' cannot be copied onto itself.", sourcePath);

        var source = await from.StatAsync(sourcePath, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageNotFoundException($"The remote file '{sourcePath}' does not exist.", sourcePath);
        if (!options.Overwrite && await to.StatAsync(destinationPath, cancellationToken).ConfigureAwait(false) is not null)
            throw new StorageConflictException($"The remote file '{destinationPath}' already exists.", destinationPath);

        var support = to.Backend.CanCopyServerSide(from.Backend);
        string? streamedMd5 = null;
        RemoteObject stored;
        if (support.IsSupported)
        {
            var copied = await to.Runner.RunAsync("copy", destinationPath,
                ct => to.Backend.CopyFromAsync(from.Backend, sourceKey, destinationKey, options, ct), cancellationToken).ConfigureAwait(false);
            options.Progress?.Report(source.Size);
            if (copied.SourceMoved)
                return Result(from, source, to, copied.Destination, destinationKey, CopyMethod.ServerSide, support.Reason, moved: true, hashVerified: false);
            stored = copied.Destination;
        }
        else
        {
            (stored, streamedMd5) = await to.Runner.RunAsync("copy", destinationPath,
                ct => StreamAsync(from.Backend, sourceKey, source, to.Backend, destinationKey, options, ct), cancellationToken).ConfigureAwait(false);
        }

        // What is really there now (a backend's own answer may be optimistic).
        var there = await to.StatAsync(destinationPath, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageIntegrityException($"The copy of '{sourcePath}' is missing at '{destinationPath}' right after it was written.", destinationPath);
        var expected = source.ContentMD5 ?? streamedMd5;
        var hashVerified = Verify(sourcePath, destinationPath, source, there, expected);
        if (options.Move && !hashVerified)
        {
            // A source is deleted only after its copy is proven: read the copy back and hash it.
            expected ??= await HashOfAsync(from, sourcePath, cancellationToken).ConfigureAwait(false);
            var actual = await HashOfAsync(to, destinationPath, cancellationToken).ConfigureAwait(false);
            if (actual != expected)
                throw Mismatch(sourcePath, destinationPath, expected, actual);
            hashVerified = true;
        }
        var method = support.IsSupported ? CopyMethod.ServerSide : CopyMethod.Streamed;
        var reason = support.IsSupported ? support.Reason : $"streamed: {support.Reason}";
        return Result(from, source, to, there, destinationKey, method, reason, moved: false, hashVerified);
    }

    static CopyResult Result(BronzeStore from, RemoteObject source, BronzeStore to, RemoteObject stored, string key, CopyMethod method, string reason, bool moved, bool hashVerified) => new()
    {
        Source = source,
        Destination = to.Describe(stored, key),
        Method = method,
        Reason = reason,
        SourceMoved = moved,
        HashVerified = hashVerified,
    };

    /// <summary>Sizes must match; hashes must match where the destination reports one. True when a hash was compared.</summary>
    static bool Verify(string sourcePath, string destinationPath, RemoteObject source, RemoteObject there, string? expectedMd5)
    {
        if (there.Size != source.Size)
            throw new StorageIntegrityException(
                $"The copy of '{sourcePath}' at '{destinationPath}' has {there.Size} bytes, the source {source.Size}.", destinationPath);
        if (expectedMd5 is null || there.ContentMD5 is null) return false;
        if (there.ContentMD5 != expectedMd5) throw Mismatch(sourcePath, destinationPath, expectedMd5, there.ContentMD5);
        return true;
    }

    static StorageIntegrityException Mismatch(string sourcePath, string destinationPath, string? expected, string? actual) =>
        new($"The copy of '{sourcePath}' at '{destinationPath}' failed its integrity check: MD5 {actual} there, {expected} expected.", destinationPath);

    /// <summary>The source's download and the destination's upload joined by a bounded pipe.</summary>
    static async Task<(RemoteObject Stored, string Md5)> StreamAsync(StorageBackend from, string sourceKey, RemoteObject source,
        StorageBackend to, string destinationKey, CopyOptions options, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PipeLimit, resumeWriterThreshold: PipeLimit / 2, useSynchronizationContext: false));
        var download = Task.Run(async () =>
        {
            try
            {
                var hashing = new Md5WriteStream(pipe.Writer.AsStream(leaveOpen: true));
                await from.DownloadAsync(sourceKey, hashing, new TransferOptions { Progress = options.Progress }, linked.Token).ConfigureAwait(false);
                var md5 = Convert.ToBase64String(hashing.Hash());
                // Checked before the writer closes: the upload then fails instead of committing.
                if (hashing.BytesWritten != source.Size)
                    throw new StorageIntegrityException($"The remote file '{sourceKey}' gave {hashing.BytesWritten} bytes, {source.Size} expected.", sourceKey);
                if (source.ContentMD5 is { } expected && expected != md5)
                    throw new StorageIntegrityException($"The remote file '{sourceKey}' read back with MD5 {md5}, {expected} recorded.", sourceKey);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
                return md5;
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None);

        RemoteObject stored;
        try
        {
            await using var reader = pipe.Reader.AsStream(leaveOpen: true);
            var upload = new UploadOptions { Overwrite = options.Overwrite, ContentMD5 = source.ContentMD5, Length = source.Size };
            stored = await to.UploadAsync(destinationKey, reader, upload, linked.Token).ConfigureAwait(false);
        }
        catch (Exception uploadError)
        {
            linked.Cancel();
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            try { await download.ConfigureAwait(false); }
            catch (Exception downloadError) when (downloadError is not OperationCanceledException)
            {
                throw downloadError is StorageException ? downloadError : uploadError; // the source's failure is the real cause
            }
            catch (OperationCanceledException) { }
            throw;
        }
        await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        return (stored, await download.ConfigureAwait(false));
    }

    /// <summary>Reads a remote file and hashes it (memory flat).</summary>
    static async Task<string> HashOfAsync(BronzeStore store, string path, CancellationToken cancellationToken)
    {
        var hashing = new Md5WriteStream(Stream.Null);
        await store.DownloadAsync(path, hashing, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Convert.ToBase64String(hashing.Hash());
    }
}
