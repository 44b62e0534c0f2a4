using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace MedallionFoundry.Storage;

/// <summary>
/// Writes one remote object into a local file with parallel ranged GETs, each written at its offset.
/// The first part comes from a body the caller already opened (the first GET, which told it the size);
/// the others from <see cref="RangeOpener"/>, at most <c>concurrency</c> at once, lowest first.
/// Verification does not wait for the end and does not serialise the network: one follower reads the
/// file back (from the page cache) in order, right behind the frontier — the end of the prefix that is
/// complete — and feeds the whole-content hash (see <see cref="ContentHasher"/>); a download of one part
/// hashes its buffers as it writes them instead. The same frontier is what an interrupted download keeps
/// (see <see cref="Frontier"/>): bytes beyond it may have holes. Memory is one buffer per part in flight
/// plus the follower's, whatever the size of the object.
/// </summary>
internal sealed class ParallelRangeDownload
{
    /// <summary>Opens the body of [offset, offset + length) of the version being downloaded (pinned to its ETag).</summary>
    public delegate Task<Stream> RangeOpener(long offset, long length, CancellationToken cancellationToken);

    const int BufferSize = 256 << 10;

    readonly SafeFileHandle _file;
    readonly string _localPath;
    readonly string _key;
    readonly long _size;
    readonly long[] _starts; // part i is [_starts[i], _starts[i + 1])
    readonly long[] _written;
    readonly SemaphoreSlim _advanced = new(0);
    readonly Stack<byte[]> _spareBuffers = new();
    int _firstIncomplete;

    /// <param name="shortTailParts">How many of the last parts are cut in quarters (see <see cref="ShortTailPartsFor"/>).</param>
    public ParallelRangeDownload(SafeFileHandle file, string localPath, string key, long size, long firstLength, long partSize, int shortTailParts = 0)
    {
        _file = file;
        _localPath = localPath;
        _key = key;
        _size = size;
        _starts = Layout(size, Math.Min(firstLength, size), Math.Max(1, partSize), shortTailParts);
        _written = new long[_starts.Length - 1];
    }

    /// <summary>The smallest part of a short tail: below it the price of a request outweighs the hashing it saves.</summary>
    public const long MinTailPart = 4L << 20;

    /// <summary>
    /// How many parts' worth at the end of a download are cut finer, for a whole-content check of kind
    /// <paramref name="hash"/>. The follower hashes in order, so when the last parts arrive together
    /// all but the lowest are still to hash after the last byte: with MD5 (~0.7 GB/s on one core) and
    /// 4 × 64 MiB parts that was ~0.3 s of a 512 MiB download spent hashing alone (measured). Quarter
    /// parts at the end cut that backlog by four for a few more requests. XXH3 hashes ~10 GB/s: no tail.
    /// </summary>
    public static int ShortTailPartsFor(ContentHashKind hash, int concurrency) => hash == ContentHashKind.Md5 ? Math.Max(1, concurrency) : 0;

    /// <summary>The start of every part, then the size: the first part as the first GET answered it, parts of
    /// <paramref name="partSize"/> after it, and the last <paramref name="shortTailParts"/> of those cut in quarters.</summary>
    static long[] Layout(long size, long firstLength, long partSize, int shortTailParts)
    {
        var uniform = new List<long> { 0 };
        for (var at = firstLength; at < size; at += partSize) uniform.Add(at);
        uniform.Add(size);
        var parts = uniform.Count - 1;
        var firstCut = Math.Max(1, parts - shortTailParts);
        var tailPart = Math.Min(partSize, Math.Max(partSize / 4, MinTailPart));
        var starts = new List<long>();
        for (var i = 0; i < parts; i++)
        {
            starts.Add(uniform[i]);
            if (i < firstCut) continue;
            for (var at = uniform[i] + tailPart; at < uniform[i + 1]; at += tailPart) starts.Add(at);
        }
        starts.Add(size);
        return [.. starts];
    }

    /// <summary>The object's total size from a Content-Range header ("bytes 0-99/1234"), when there is one.</summary>
    public static long? TotalOf(string? contentRange)
    {
        var slash = contentRange?.LastIndexOf('/') ?? -1;
        return slash >= 0 && long.TryParse(contentRange![(slash + 1)..], out var total) ? total : null;
    }

    public int PartCount => _written.Length;

    /// <summary>Bytes from the start of the file that are all written: what a resumed download may keep.</summary>
    public long Frontier
    {
        get
        {
            var index = Volatile.Read(ref _firstIncomplete);
            while (index < _written.Length && Volatile.Read(ref _written[index]) == Length(index)) index++;
            Volatile.Write(ref _firstIncomplete, index);
            return index == _written.Length ? _size : Offset(index) + Volatile.Read(ref _written[index]);
        }
    }

    /// <summary>After a failure: cuts the file to <see cref="Frontier"/>, the prefix a resumed download keeps,
    /// and reports it (best effort: a resume trusts only the prefix recorded anyway).</summary>
    public void KeepCompletePrefix(TransferOptions options)
    {
        try
        {
            var prefix = Frontier;
            RandomAccess.SetLength(_file, prefix);
            options.PrefixComplete?.Invoke(prefix);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    long Offset(int index) => _starts[index];

    long Length(int index) => _starts[index + 1] - _starts[index];

    /// <summary>
    /// Runs the download (and closes <paramref name="firstBody"/> once its part is in); returns the whole file's digest of kind <paramref name="hash"/>, or null for None.
    /// <paramref name="prefixComplete"/> hears the frontier each time it passes the end of a part.
    /// On failure the file is left as it is (the caller truncates it to <see cref="Frontier"/> or deletes it).
    /// </summary>
    public async Task<byte[]?> RunAsync(Stream firstBody, RangeOpener openRange, int concurrency, ContentHashKind hash,
        IProgress<long>? progress, Action<long>? prefixComplete, CancellationToken cancellationToken)
    {
        try
        {
            return PartCount == 1
                ? await RunOnePartAsync(firstBody, hash, progress, prefixComplete, cancellationToken).ConfigureAwait(false)
                : await RunPartsAsync(firstBody, openRange, concurrency, hash, progress, prefixComplete, cancellationToken).ConfigureAwait(false);
        }
        finally { ReturnSpareBuffers(); }
    }

    // Most bronze files are one part: its bytes arrive in order, so they are hashed from the buffer as they
    // are written. No follower task, no read-back and one buffer, on every small download.
    async Task<byte[]?> RunOnePartAsync(Stream body, ContentHashKind hash, IProgress<long>? progress, Action<long>? prefixComplete, CancellationToken cancellationToken)
    {
        using var hasher = hash == ContentHashKind.None ? null : new ContentHasher(hash);
        await using (body) await CopyPartAsync(0, body, progress, cancellationToken, hasher).ConfigureAwait(false);
        prefixComplete?.Invoke(_size);
        return hasher?.Finish();
    }

    async Task<byte[]?> RunPartsAsync(Stream firstBody, RangeOpener openRange, int concurrency, ContentHashKind hash,
        IProgress<long>? progress, Action<long>? prefixComplete, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var follower = FollowAsync(hash, prefixComplete, failed.Token);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, PartCount),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = failed.Token },
                async (index, ct) =>
                {
                    if (index == 0)
                    {
                        // Closed as soon as its part is in: a first GET of the whole object stops there.
                        await using (firstBody) await CopyPartAsync(0, firstBody, progress, ct).ConfigureAwait(false);
                        return;
                    }
                    await using var body = await openRange(Offset(index), Length(index), ct).ConfigureAwait(false);
                    await CopyPartAsync(index, body, progress, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        catch
        {
            failed.Cancel();
            try { await follower.ConfigureAwait(false); } catch (OperationCanceledException) { }
            throw;
        }
        return await follower.ConfigureAwait(false);
    }

    // The buffers circulate inside the download and go back to the shared pool at its end. Renting one
    // from the pool per part left an extra array on each thread a part happened to finish on: five or six
    // of them for four parts in flight, against concurrency + 1 (the follower's) now.
    byte[] TakeBuffer()
    {
        lock (_spareBuffers) if (_spareBuffers.Count > 0) return _spareBuffers.Pop();
        return ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    void GiveBack(byte[] buffer)
    {
        lock (_spareBuffers) _spareBuffers.Push(buffer);
    }

    void ReturnSpareBuffers()
    {
        lock (_spareBuffers) while (_spareBuffers.Count > 0) ArrayPool<byte>.Shared.Return(_spareBuffers.Pop());
    }

    /// <param name="inOrder">Hashes each buffer once written: only for a part that is the whole file.</param>
    async Task CopyPartAsync(int index, Stream body, IProgress<long>? progress, CancellationToken cancellationToken, ContentHasher? inOrder = null)
    {
        var offset = Offset(index);
        var length = Length(index);
        var buffer = TakeBuffer();
        try
        {
            long done = 0;
            while (done < length)
            {
                // A full buffer per write: fewer writes, fewer wake-ups of the follower and of the pool.
                var want = (int)Math.Min(BufferSize, length - done);
                var filled = 0;
                while (filled < want)
                {
                    var read = await body.ReadAsync(buffer.AsMemory(filled, want - filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                        throw new StorageIntegrityException(
                            $"The download of '{_key}' is incomplete: bytes {offset + done + filled}-{offset + length - 1} of {_size} did not arrive.", _key);
                    filled += read;
                }
                // A synchronous write: it lands in the page cache, and an asynchronous one costs a hop through the thread pool.
                try { RandomAccess.Write(_file, buffer.AsSpan(0, filled), offset + done); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw StorageLocalIOException.Writing(_localPath, _key, ex); }
                inOrder?.Append(buffer.AsSpan(0, filled));
                done += filled;
                Volatile.Write(ref _written[index], done);
                if (index == Volatile.Read(ref _firstIncomplete) || done == length) _advanced.Release();
                progress?.Report(filled);
            }
        }
        finally
        {
            GiveBack(buffer);
        }
    }

    /// <summary>Follows the frontier: hashes what is complete, in order, and reports part ends.</summary>
    async Task<byte[]?> FollowAsync(ContentHashKind hash, Action<long>? prefixComplete, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var hasher = hash == ContentHashKind.None ? null : new ContentHasher(hash);
        var buffer = hasher is null ? null : TakeBuffer();
        try
        {
            long followed = 0;
            var reportedParts = 0;
            while (followed < _size)
            {
                var frontier = Frontier;
                if (frontier == followed)
                {
                    await _advanced.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                while (hasher is not null && followed < frontier)
                {
                    var read = await RandomAccess.ReadAsync(_file, buffer.AsMemory(0, (int)Math.Min(BufferSize, frontier - followed)), followed, cancellationToken).ConfigureAwait(false);
                    if (read == 0) throw new IOException($"The local file '{_localPath}' is shorter than what was written to it.");
                    hasher.Append(buffer!.AsSpan(0, read));
                    followed += read;
                }
                followed = frontier;
                var parts = Volatile.Read(ref _firstIncomplete);
                if (parts > reportedParts)
                {
                    reportedParts = parts;
                    prefixComplete?.Invoke(frontier);
                }
            }
            return hasher?.Finish();
        }
        finally
        {
            if (buffer is not null) GiveBack(buffer);
        }
    }
}
