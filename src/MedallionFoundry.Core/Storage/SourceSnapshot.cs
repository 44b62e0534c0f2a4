namespace MedallionFoundry.Storage;

/// <summary>
/// The size and last-write time of an upload's local file, taken before the upload reads it and
/// checked again before the upload is committed (and after it ends). A file that changes meanwhile
/// fails its upload with <see cref="StorageSourceChangedException"/>: the bytes stored would be a
/// mix, or would not match the checksum recorded with them. Opening the file here is also where an
/// unreadable source is reported as a local error, not as the store's.
/// </summary>
public sealed record SourceSnapshot(string LocalPath, long Length, DateTime LastWriteUtc)
{
    public static SourceSnapshot Take(string localPath, string? remotePath = null)
    {
        try
        {
            using var handle = File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new SourceSnapshot(localPath, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException and not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new StorageLocalIOException($"The local file '{localPath}' cannot be read: {ex.Message}", localPath, reading: true, remotePath, ex);
        }
    }

    const string Abandoned = "the upload was abandoned before it was committed, so the remote file is as it was";

    /// <summary>Throws when the file now differs from the snapshot, or when <paramref name="bytesRead"/>
    /// (what the upload actually read, when it counts them) is not the snapshot's length.
    /// <paramref name="committed"/>: whether the store already holds the upload (then the message says so).</summary>
    public void EnsureUnchanged(string remotePath, long? bytesRead = null, bool committed = false) =>
        Check(remotePath, bytesRead, committed
            ? "the remote file holds the bytes read before the change, which may not be the file you meant to send"
            : Abandoned);

    /// <summary>After an upload failed: throws when the file changed meanwhile, so that the change is what is
    /// reported (and a retry does not send the file as it is now, while something may still be writing it).
    /// A transient failure may have been the commit's lost answer; the message says so.</summary>
    public void EnsureUnchangedAfterFailure(string remotePath, Exception failure) =>
        Check(remotePath, null, failure is StorageException { IsTransient: true }
            ? $"the upload failed ({failure.Message.TrimEnd('.')}) and was not retried; the remote file is as it was unless the request that failed was the one committing it"
            : Abandoned);

    void Check(string remotePath, long? bytesRead, string outcome)
    {
        var now = new FileInfo(LocalPath);
        // A link's own size is its target's name length: compare the file it leads to, as the opened handle was.
        if (now.LinkTarget is not null && now.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) now = target;
        now.Refresh();
        var length = now.Exists ? now.Length : -1;
        var changed = !now.Exists || length != Length || now.LastWriteTimeUtc != LastWriteUtc || (bytesRead is { } read && read != Length);
        if (!changed) return;
        var what = !now.Exists ? "was deleted"
            : length != Length ? $"changed size from {Length} to {length} bytes"
            : bytesRead is { } r && r != Length ? $"gave {r} bytes instead of {Length}"
            : "was modified";
        throw new StorageSourceChangedException(
            $"The local file '{LocalPath}' {what} while it was being uploaded to '{remotePath}': {outcome}. " +
            "Upload it again once nothing is writing to it.", remotePath);
    }
}
