using MedallionFoundry.Storage;

namespace MedallionFoundry.Sync;

/// <summary>
/// The one decision rule behind Compare-BronzeFolder and Sync-BronzeFolder: pairs a local tree with
/// a remote listing by relative path and judges each pair. Different sizes are different without
/// hashing. In Hash mode the local MD5 is compared with the MD5 the listing gives; when the listing
/// gives none (another tool's multipart upload with an unknown part size, a backend without hashes)
/// the remote content is hashed through <see cref="RemoteMd5"/> and the comparison says so in
/// <see cref="FolderComparison.Note"/>: a file is never equal by assumption.
/// </summary>
public sealed class FolderComparer
{
    /// <summary>Part sizes other tools and we write multipart uploads with: aws-cli 8 MiB, rclone 5 MiB,
    /// ours 16 MiB by default (the connection's own is added by the caller).</summary>
    public static readonly IReadOnlyList<long> CommonPartSizes = [8L << 20, 5L << 20, 16L << 20];

    public CompareMode Mode { get; init; } = CompareMode.Hash;

    public SyncDirection Direction { get; init; } = SyncDirection.Upload;

    public PathFilter Filter { get; init; } = PathFilter.All;

    /// <summary>Applied to the source side's time (local for uploads, remote for downloads).</summary>
    public AgeFilter? Age { get; init; }

    public required LocalHasher Hasher { get; init; }

    /// <summary>The MD5 (base64) of a remote object's content, found the expensive way (a metadata
    /// request, or reading the content). Used only when the listing gives no usable hash.</summary>
    public required Func<RemoteObject, CancellationToken, Task<string?>> RemoteMd5 { get; init; }

    /// <summary>Multipart part sizes to try against the "hex-N" ETag of an object of the given size.</summary>
    public Func<long, IEnumerable<long>> PartSizes { get; init; } = _ => CommonPartSizes;

    public int Parallelism { get; init; } = 4;

    /// <summary>Compares <paramref name="local"/> with <paramref name="remote"/> (keyed by path relative to
    /// the remote folder). Returns every path in the filter, in ordinal path order.</summary>
    /// <remarks>Entries of the local walk that failed come back as <see cref="CompareStatus.Error"/>; remote
    /// files at or under them, or under links the walk did not follow, are left out.</remarks>
    public async Task<IReadOnlyList<FolderComparison>> CompareAsync(
        LocalTree local, IAsyncEnumerable<(string RelativePath, RemoteObject Object)> remote,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var locals = new Dictionary<string, LocalFile>(StringComparer.Ordinal);
        foreach (var file in local.Files)
            if (Filter.Includes(file.RelativePath)) locals[file.RelativePath] = file;
        var remotes = new Dictionary<string, RemoteObject>(StringComparer.Ordinal);
        var checkUnseen = local.Skipped.Count + local.Errors.Count > 0;
        await foreach (var (path, item) in remote.WithCancellation(cancellationToken).ConfigureAwait(false))
            if (!item.IsPrefix && Filter.Includes(path) && !(checkUnseen && !locals.ContainsKey(path) && local.IsUnseen(path))) remotes[path] = item;

        var paths = locals.Keys.Union(remotes.Keys).Order(StringComparer.Ordinal).ToArray();
        var results = new FolderComparison?[paths.Length];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, paths.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var path = paths[i];
                results[i] = await CompareOneAsync(path, locals.GetValueOrDefault(path), remotes.GetValueOrDefault(path), ct).ConfigureAwait(false);
                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        var walkErrors = local.Errors.Select(e => new FolderComparison
        {
            Path = e.RelativePath, Status = CompareStatus.Error, Reason = e.Describe(),
            Error = e.Error ?? new IOException(e.Describe()),
        });
        return walkErrors.Concat(results.Where(r => r is not null).Select(r => r!)).ToList();
    }

    /// <summary>One pair; null when the source side is outside the age filter.</summary>
    async Task<FolderComparison?> CompareOneAsync(string path, LocalFile? local, RemoteObject? remote, CancellationToken cancellationToken)
    {
        if (Age is not null)
        {
            var sourceTime = Direction == SyncDirection.Upload ? local?.LastWriteTime : remote?.LastModified;
            var hasSource = Direction == SyncDirection.Upload ? local is not null : remote is not null;
            if (hasSource && !Age.Includes(sourceTime)) return null;
        }
        if (remote is null) return new FolderComparison { Path = path, Status = CompareStatus.LocalOnly, Local = local, Reason = "only local" };
        if (local is null) return new FolderComparison { Path = path, Status = CompareStatus.RemoteOnly, Remote = remote, Reason = "only remote" };

        var pair = new FolderComparison { Path = path, Status = CompareStatus.Equal, Local = local, Remote = remote };
        if (local.Size != remote.Size) return pair with { Status = CompareStatus.Different, Reason = "size differs" };
        try
        {
            return Mode switch
            {
                CompareMode.Size => pair with { Reason = "same size" },
                CompareMode.SizeAndTime => BySizeAndTime(pair, local, remote),
                _ => await ByHashAsync(pair, local, remote, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StorageException)
        {
            return pair with { Status = CompareStatus.Error, Reason = ex.Message, Error = ex };
        }
    }

    FolderComparison BySizeAndTime(FolderComparison pair, LocalFile local, RemoteObject remote)
    {
        if (remote.LastModified is not { } remoteTime) return pair with { Status = CompareStatus.Different, Reason = "remote time unknown" };
        var sourceNewer = Direction == SyncDirection.Upload ? local.LastWriteTime > remoteTime : remoteTime > local.LastWriteTime;
        return sourceNewer
            ? pair with { Status = CompareStatus.Different, Reason = "source is newer" }
            : pair with { Reason = "same size, source not newer" };
    }

    async Task<FolderComparison> ByHashAsync(FolderComparison pair, LocalFile local, RemoteObject remote, CancellationToken cancellationToken)
    {
        if (RemoteHash.Md5Of(remote) is { } listedMd5)
            return await Md5Verdict(pair, local, listedMd5, null, cancellationToken).ConfigureAwait(false);

        string? note;
        if (RemoteHash.MultipartPartsOf(remote) is { } parts)
        {
            var tried = new List<string>();
            foreach (var partSize in RemoteHash.PartSizesFor(remote.Size, parts, PartSizes(remote.Size)))
            {
                var etag = await Hasher.MultipartETagAsync(local.FullPath, partSize, cancellationToken).ConfigureAwait(false);
                if (string.Equals(etag, remote.ETag, StringComparison.OrdinalIgnoreCase))
                    return pair with { Reason = $"multipart ETag equal ({parts} parts of {partSize >> 20} MiB)" };
                tried.Add($"{partSize >> 20} MiB");
            }
            note = $"'{pair.Path}': the remote multipart ETag ({parts} parts) matches no known part size ({(tried.Count == 0 ? "none fits" : string.Join(", ", tried))} tried)";
        }
        else
        {
            note = $"'{pair.Path}': the listing gives no MD5 for the remote file";
        }

        var remoteMd5 = await RemoteMd5(remote, cancellationToken).ConfigureAwait(false);
        if (remoteMd5 is null)
            return pair with { Status = CompareStatus.Error, Reason = "the remote MD5 cannot be found", Note = note };
        return await Md5Verdict(pair, local, remoteMd5, note + "; hashed the remote content instead", cancellationToken).ConfigureAwait(false);
    }

    async Task<FolderComparison> Md5Verdict(FolderComparison pair, LocalFile local, string remoteMd5, string? note, CancellationToken cancellationToken)
    {
        var localMd5 = await Hasher.Md5Async(local.FullPath, cancellationToken).ConfigureAwait(false);
        return string.Equals(localMd5, remoteMd5, StringComparison.Ordinal)
            ? pair with { Reason = "MD5 equal", Note = note }
            : pair with { Status = CompareStatus.Different, Reason = "MD5 differs", Note = note };
    }
}
