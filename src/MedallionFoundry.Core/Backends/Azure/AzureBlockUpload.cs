using System.Buffers;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MedallionFoundry.Storage;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// One upload of a local file to a block blob. The file is hashed once, in order, block by block (the
/// whole file's MD5 and each block's); each block is then staged straight from its slice of the file
/// (read again, usually from the OS cache; no block is held in memory) with that block MD5 as its
/// transactional checksum, max_concurrency at once. A block whose bytes changed in between fails the
/// service's check. The whole-content MD5 is recorded at commit, and the XXH3-128 in metadata. Files up to
/// initial_transfer_size go in one Put Blob. The source snapshot is checked before the commit: a
/// file that grew, shrank or was edited meanwhile is not committed, and the blob stays as it was
/// (staged blocks that are never committed are discarded by the service).
/// Block ids are "{stem}-{index}" (base64), fixed-length. The stem is derived from the file's identity
/// (path, size, last write time, MD5 of its first block), so an interrupted upload (Ctrl+C, a kill, a
/// dropped connection) finds its staged blocks again: the blocks recorded in its resumable state that
/// the service still lists as uncommitted, and whose local bytes still hash the same, are not sent again.
/// With -NoResume the stem is the write id (random), as before.
/// </summary>
internal sealed class AzureBlockUpload(BlockBlobClient blob, AzureSettings settings, string location, string key, string localPath, UploadOptions options)
{
    /// <summary>Blob metadata that names the upload which wrote the blob (only on -NoClobber writes).</summary>
    public const string WriteIdMetadata = "mf_write_id";

    /// <summary>Blob metadata with the XXH3-128 of the bytes (hex), set by block uploads beside the Content-MD5:
    /// what parallel downloads check, at a fraction of the CPU of an MD5 (see <see cref="ContentHasher"/>).</summary>
    public const string Xxh128Metadata = "mf_xxh128";

    readonly string _writeId = options.WriteId ?? Guid.NewGuid().ToString("N");

    string _stem = "";

    public async Task<(BlobContentInfo Info, long Size, byte[] Md5)> RunAsync(CancellationToken cancellationToken)
    {
        using var file = File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        var size = options.Source?.Length ?? RandomAccess.GetLength(file);
        return size <= settings.InitialTransferSize
            ? await PutSingleAsync(file, size, cancellationToken).ConfigureAwait(false)
            : await PutBlocksAsync(file, size, cancellationToken).ConfigureAwait(false);
    }

    BlobHttpHeaders Headers(byte[] md5) => new() { ContentHash = md5, ContentType = options.ContentType ?? "application/octet-stream" };

    BlobRequestConditions? Conditions => options.Overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All };

    Dictionary<string, string>? Metadata => options.Overwrite ? null : new() { [WriteIdMetadata] = _writeId };

    async Task<(BlobContentInfo, long, byte[])> PutSingleAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, long size, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, size));
        try
        {
            var read = await ReadFullyAsync(file, buffer.AsMemory(0, (int)size), 0, cancellationToken).ConfigureAwait(false);
            await EnsureCompleteAsync(file, size, read, cancellationToken).ConfigureAwait(false);
            var md5 = MD5.HashData(buffer.AsSpan(0, read));
            using var content = new MemoryStream(buffer, 0, read, writable: false);
            var response = await blob.UploadAsync(content, new BlobUploadOptions
            {
                HttpHeaders = Headers(md5),
                Conditions = Conditions,
                Metadata = Metadata,
                // (BlobClient.UploadAsync refuses a precalculated checksum: it may split an upload.)
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
            }, cancellationToken).ConfigureAwait(false);
            options.Progress?.Report(read);
            return (response.Value, read, md5);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    async Task<(BlobContentInfo, long, byte[])> PutBlocksAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, long size, CancellationToken cancellationToken)
    {
        var blockSize = settings.BlockSizeFor(size);
        var count = (int)((size + blockSize - 1) / blockSize);
        var ids = new string[count];
        var (state, landed) = await ResumeOrStartAsync(size, blockSize, cancellationToken).ConfigureAwait(false);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var fast = new ContentHasher(ContentHashKind.Xxh128);
        using var failFast = new FailFast(cancellationToken);
        using var slots = new SemaphoreSlim(Math.Max(1, settings.MaxConcurrency));
        var staging = new List<Task>(count);
        long total = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                await slots.WaitAsync(failFast.Token).ConfigureAwait(false);
                var offset = i * blockSize;
                var length = (int)Math.Min(blockSize, size - offset);
                int read;
                byte[] blockHash;
                try { (read, blockHash) = await HashBlockAsync(file, offset, length, whole, fast, failFast.Token).ConfigureAwait(false); }
                catch { slots.Release(); throw; }
                total += read;
                if (read < length)
                {
                    slots.Release();
                    await EnsureCompleteAsync(file, size, total, failFast.Token).ConfigureAwait(false); // shrank: throws
                }
                ids[i] = BlockId(i);
                var blockMd5 = Convert.ToBase64String(blockHash); // sent as the block's transactional MD5, recorded for a resume
                if (state is not null && landed.TryGetValue(ids[i], out var stagedLength) && stagedLength == read
                    && state.Parts.TryGetValue(i, out var recorded) && recorded.Md5 == blockMd5 && recorded.Length == read)
                {
                    // Staged by an interrupted run, and the same bytes: not sent again.
                    slots.Release();
                    options.Progress?.Report(read);
                    continue;
                }
                var index = i;
                staging.Add(StageAsync(ids[i], new FileSliceStream(file, offset, read), read, blockHash, slots, failFast,
                    state is null ? null : () => UploadResume.Record(state, index, new PartRecord(null, blockMd5, read))));
            }
            await Task.WhenAll(staging).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failFast.Cancel();
            try { await Task.WhenAll(staging).ConfigureAwait(false); } catch { /* the first failure is the one to report */ }
            // Ctrl+C or a dropped connection keep the state (the staged blocks stay on the service for a week).
            // The cause is the first block that failed, when one did (see FailFast).
            var cause = failFast.CauseOf(ex);
            if (state is not null && !TransferStates.KeepsState(AzureErrors.Map(cause, key, settings.Container, cancellationToken))) TransferStates.Delete(state);
            failFast.ThrowCause(ex);
            throw;
        }

        try
        {
            await EnsureCompleteAsync(file, size, total, cancellationToken).ConfigureAwait(false);
            var md5 = whole.GetHashAndReset();
            var metadata = Metadata ?? [];
            metadata[Xxh128Metadata] = ContentHasher.Xxh128Text(fast.Finish());
            var committed = await blob.CommitBlockListAsync(ids, new CommitBlockListOptions
            {
                HttpHeaders = Headers(md5),
                Conditions = Conditions,
                Metadata = metadata,
            }, cancellationToken).ConfigureAwait(false);
            if (state is not null) TransferStates.Delete(state);
            return (committed.Value, total, md5);
        }
        catch (Exception ex) when (state is not null && !TransferStates.KeepsState(AzureErrors.Map(ex, key, settings.Container, cancellationToken)))
        {
            TransferStates.Delete(state); // a changed file, a refused commit: nothing to continue
            throw;
        }
    }

    /// <summary>The state to continue (with the uncommitted blocks the service holds: id and length), or a new
    /// one; none with -NoResume. The block id stem comes from the file's identity, or from the state.</summary>
    async Task<(TransferState? State, Dictionary<string, long> Landed)> ResumeOrStartAsync(long size, long blockSize, CancellationToken cancellationToken)
    {
        var landed = new Dictionary<string, long>(StringComparer.Ordinal);
        var state = UploadResume.Find("azure", location, key, localPath);
        if (options.NoResume)
        {
            if (state is not null) TransferStates.Delete(state); // its blocks are never committed: the service drops them
            _stem = _writeId;
            return (null, landed);
        }
        var writeTime = UploadResume.WriteTimeOf(localPath, options);
        var firstMd5 = await UploadResume.Md5OfSliceAsync(localPath, 0, Math.Min(blockSize, size), cancellationToken).ConfigureAwait(false);
        if (state is not null && !UploadResume.SameFile(state, size, writeTime, firstMd5, blockSize))
        {
            TransferStates.Delete(state); // another file now: start over (other ids; the old blocks are dropped at the commit)
            state = null;
        }
        if (state is null)
        {
            var identity = $"{Path.GetFullPath(localPath)}\n{size}\n{writeTime.Ticks}\n{firstMd5}\n{blockSize}";
            _stem = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..32].ToLowerInvariant();
            return (UploadResume.Begin("azure", location, key, localPath, size, writeTime, firstMd5, blockSize, _stem), landed);
        }
        _stem = state.UploadId!;
        try
        {
            var list = await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var block in list.Value.UncommittedBlocks ?? []) landed[block.Name] = block.SizeLong;
        }
        catch (RequestFailedException ex) when (ex.Status == 404) { } // no blob and no staged block: nothing landed
        return (state, landed);
    }

    /// <summary>Reads one block in order, feeding the whole file's hashes and the block's own MD5; returns the bytes read and the block's MD5.</summary>
    static async Task<(int Read, byte[] Md5)> HashBlockAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, int length, IncrementalHash whole,
        ContentHasher fast, CancellationToken cancellationToken)
    {
        using var block = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            var total = 0;
            while (total < length)
            {
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, Math.Min(HashBufferSize, length - total)), offset + total, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                whole.AppendData(buffer, 0, read);
                fast.Append(buffer.AsSpan(0, read));
                block.AppendData(buffer, 0, read);
                total += read;
            }
            return (total, block.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    const int HashBufferSize = 256 << 10;

    async Task StageAsync(string id, Stream content, int length, byte[] md5, SemaphoreSlim slots, FailFast failFast, Action? staged)
    {
        try
        {
            await using var _ = content;
            await blob.StageBlockAsync(id, content, new BlockBlobStageBlockOptions
            {
                // Hashed once, here: the SDK would hash the block again to send the same Content-MD5.
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = md5 },
            }, failFast.Token).ConfigureAwait(false);
            staged?.Invoke();
            options.Progress?.Report(length);
        }
        catch (Exception ex)
        {
            failFast.Fail(ex);
            throw;
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Before a commit: the bytes read are the whole file, nothing follows them (it did not
    /// grow), and its size and time still match the snapshot (it was not edited in place).</summary>
    async Task EnsureCompleteAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, long size, long read, CancellationToken cancellationToken)
    {
        var extra = await RandomAccess.ReadAsync(file, new byte[1], size, cancellationToken).ConfigureAwait(false);
        var snapshot = options.Source ?? new SourceSnapshot(localPath, size, File.GetLastWriteTimeUtc(file));
        snapshot.EnsureUnchanged(key, read + extra);
    }

    string BlockId(int index) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{_stem}-{index:D6}"));

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    static async Task<int> ReadFullyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await RandomAccess.ReadAsync(file, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
        }
        return total;
    }
}
