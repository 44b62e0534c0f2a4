namespace MedallionFoundry.Storage;

/// <summary>
/// The contract every backend implements (built-in and custom). It speaks full object keys
/// ("bronze/system=api/table=users/part-1.parquet"); path rules, the configured prefix, temp-file
/// downloads and batching live once in <see cref="BronzeStore"/>, so every backend behaves alike.
/// Implementations must be thread-safe: one instance serves a whole session.
/// </summary>
public abstract class StorageBackend : IAsyncDisposable
{
    /// <summary>Short backend identifier, e.g. "s3", "azure", "local".</summary>
    public abstract string BackendType { get; }

    /// <summary>Key prefix every remote path is placed under ("" for none). No leading or trailing '/'.</summary>
    public string Prefix { get; protected init; } = "";

    /// <summary>How many keys one <see cref="DeleteManyAsync"/> call may carry.</summary>
    public virtual int MaxDeleteBatchSize => 1000;

    /// <summary>How many files the cmdlets transfer at once by default.</summary>
    public virtual int DefaultConcurrency => 4;

    /// <summary>Human-readable location for Get-BronzeStorage (never contains secrets).</summary>
    public abstract string Location { get; }

    /// <summary>Uploads a stream to <paramref name="key"/>, replacing what is there unless
    /// <see cref="UploadOptions.Overwrite"/> is false (then <see cref="StorageConflictException"/>).</summary>
    public abstract Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken);

    /// <summary>Uploads a local file. Backends override this for parallel multipart/block uploads.</summary>
    public virtual async Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return await UploadAsync(key, stream, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the object into <paramref name="destination"/>. Throws <see cref="StorageNotFoundException"/> when missing.</summary>
    public abstract Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken);

    /// <summary>Writes the object to <paramref name="localPath"/> (a temp file chosen by the caller,
    /// who renames it into place). Backends override this for parallel ranged downloads.</summary>
    public virtual async Task<RemoteObject> DownloadFileAsync(string key, string localPath, TransferOptions options, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(localPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        return await DownloadAsync(key, stream, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when <see cref="DownloadRangeAsync"/> works and <see cref="DownloadFileAsync"/> calls
    /// <see cref="TransferOptions.Started"/>: an interrupted download of this backend can be resumed.</summary>
    public virtual bool CanResumeDownloads => false;

    /// <summary>Appends the object's bytes from <paramref name="offset"/> to its end to <paramref name="destination"/>,
    /// only while its ETag is still <paramref name="etag"/> (otherwise <see cref="StorageConflictException"/>).
    /// Returns the bytes written.</summary>
    public virtual Task<long> DownloadRangeAsync(string key, long offset, string etag, Stream destination, TransferOptions options, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The {BackendType} backend cannot download part of a file.");

    /// <summary>Drops what an interrupted resumable upload left on the store (S3: aborts its multipart upload;
    /// a missing upload is not an error). False when the store cannot drop it (then its own clean-up does).
    /// The default has nothing to drop: staged Azure blocks, for one, are discarded by the service itself.</summary>
    public virtual Task<bool> DiscardUploadAsync(string key, string uploadId, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Fetches one page of the keys starting with <paramref name="keyPrefix"/>, in key order.
    /// <paramref name="continuationToken"/> is null for the first page, then the previous page's
    /// <see cref="ListPage.NextToken"/>; a page with a null NextToken is the last. Non-recursive
    /// listing folds deeper keys into <see cref="ListPage.CommonPrefixes"/> (ending in '/').
    /// Object <see cref="RemoteObject.Key"/>s are full keys; the caller fills in Path.</summary>
    public abstract Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken);

    /// <summary>Metadata of one object, or null when it does not exist.</summary>
    public abstract Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes one object. A missing object is not an error.</summary>
    public abstract Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes up to <see cref="MaxDeleteBatchSize"/> objects. Missing objects are not errors;
    /// other per-key failures are returned, not thrown. The default deletes one at a time, a few in parallel.</summary>
    public virtual async Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<DeleteFailure>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                try { await DeleteAsync(key, ct).ConfigureAwait(false); }
                catch (StorageException ex) { failures.Add(new DeleteFailure(key, ex)); }
            }).ConfigureAwait(false);
        return failures.ToList();
    }

    /// <summary>One cheap request that fails when the bucket, container or root is missing or the
    /// credentials are refused (Connect-BronzeStorage runs it). The default lists one key under the prefix,
    /// recursively: a listing by folder makes some servers group every key below the prefix first
    /// (Azurite spent minutes of CPU on a container of 10,000 blobs in one folder).</summary>
    public virtual Task CheckAsync(CancellationToken cancellationToken)
    {
        // The listing's own task, not an async wrapper: one state machine less to JIT-compile in a fresh process.
        var keyPrefix = Prefix.Length == 0 ? "" : Prefix + "/";
        return ListPageAsync(keyPrefix, new ListOptions { Recursive = true, PageSize = 1 }, null, cancellationToken);
    }

    /// <summary>Whether <see cref="CopyFromAsync"/> can copy objects of <paramref name="source"/> into this
    /// backend without their bytes passing through this machine, and why (shown by -Verbose). The default
    /// is no: the store then streams the bytes through. A backend (or storage layer) that changes bytes on
    /// the way, such as compression or encryption, must answer no unless both sides change them alike.</summary>
    public virtual ServerCopySupport CanCopyServerSide(StorageBackend source) =>
        ServerCopySupport.No($"the {BackendType} backend has no server-side copy");

    /// <summary>Copies <paramref name="sourceKey"/> of <paramref name="source"/> to <paramref name="destinationKey"/>
    /// here, inside the store; called only when <see cref="CanCopyServerSide"/> said yes. A missing source is
    /// <see cref="StorageNotFoundException"/>; with <see cref="CopyOptions.Overwrite"/> false an existing
    /// destination is left alone (<see cref="StorageConflictException"/>); a failure leaves no partial object.
    /// With <see cref="CopyOptions.Move"/> a backend may rename instead (the result then says SourceMoved).</summary>
    public virtual Task<ServerCopyResult> CopyFromAsync(StorageBackend source, string sourceKey, string destinationKey, CopyOptions options, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The {BackendType} backend has no server-side copy.");

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
