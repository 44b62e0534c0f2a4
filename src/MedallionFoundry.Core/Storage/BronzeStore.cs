using System.Runtime.CompilerServices;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Storage;

/// <summary>
/// What the cmdlets talk to: one backend plus the rules every backend shares. Remote paths are
/// validated and placed under the backend's prefix; listings come back relative to it; downloads go
/// to a temporary file that is renamed into place; deletes are batched and never leave the prefix.
/// Thread-safe; one instance per connection, reused for the whole session.
/// </summary>
public sealed class BronzeStore : IAsyncDisposable
{
    readonly StaleTempFolders _downloadFolders = new();

    public BronzeStore(StorageBackend backend, string name = "default", OperationRunner? runner = null)
    {
        Backend = backend;
        Name = name;
        Runner = runner ?? OperationRunner.Direct;
    }

    public StorageBackend Backend { get; }

    /// <summary>Connection name (Connect-BronzeStorage -Name).</summary>
    public string Name { get; }

    public OperationRunner Runner { get; }

    public string BackendType => Backend.BackendType;

    public string Prefix => Backend.Prefix;

    public string KeyFor(string remotePath) => RemotePath.ToKey(Backend.Prefix, RemotePath.NormalizeFile(remotePath));

    public async Task<RemoteObject> UploadFileAsync(string localPath, string remotePath, UploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var relative = RemotePath.NormalizeFile(remotePath);
        var key = RemotePath.ToKey(Backend.Prefix, relative);
        var writeId = Guid.NewGuid().ToString("N");
        await ClearStaleTransfersOnce().ConfigureAwait(false);
        return await Runner.RunAsync("upload", relative, async ct =>
        {
            // The file as this attempt finds it; a change before the backend commits, or after, fails the upload.
            var source = SourceSnapshot.Take(localPath, relative);
            RemoteObject stored;
            try { stored = await Backend.UploadFileAsync(localPath, key, (options ?? UploadOptions.Default).ForAttempt(source, writeId), ct).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException and not StorageSourceChangedException)
            {
                // A file that shrank under the upload fails a part shorter than announced (S3: HTTP 400;
                // Azure: the request ends early, a transient error): the change is what to report.
                source.EnsureUnchangedAfterFailure(relative, ex);
                throw;
            }
            source.EnsureUnchanged(relative, committed: true);
            return Describe(stored, key);
        }, cancellationToken).ConfigureAwait(false);
    }

    Task? _staleCleared;

    /// <summary>Interrupted transfers of this connection's target untouched for <see cref="TransferStates.MaxAge"/>
    /// are cleared before its first transfer (docs/resume.md).</summary>
    Task ClearStaleTransfersOnce() => _staleCleared ??= ResumableTransfers.ClearStaleAsync(Backend);

    /// <summary>Uploads a stream. Retries need a seekable stream; a non-seekable one is sent once.</summary>
    public Task<RemoteObject> UploadAsync(Stream content, string remotePath, UploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var relative = RemotePath.NormalizeFile(remotePath);
        var key = RemotePath.ToKey(Backend.Prefix, relative);
        var start = content.CanSeek ? content.Position : 0;
        var attempt = 0;
        var writeId = Guid.NewGuid().ToString("N");
        return Runner.RunAsync("upload", relative, async ct =>
        {
            if (++attempt > 1 && !content.CanSeek)
                throw new StorageException(StorageErrorKind.Unknown, $"The upload of '{relative}' failed and cannot be retried: its stream cannot rewind.", relative);
            if (content.CanSeek) content.Position = start;
            return Describe(await Backend.UploadAsync(key, content, (options ?? UploadOptions.Default).ForAttempt(null, writeId), ct).ConfigureAwait(false), key);
        }, cancellationToken);
    }

    /// <summary>
    /// Downloads to <paramref name="localPath"/>: parent folders are created, the bytes go to a
    /// temporary file beside it that is renamed into place, so a failure leaves nothing half-written.
    /// An existing file is replaced only with <paramref name="overwrite"/>.
    /// </summary>
    public async Task<RemoteObject> DownloadFileAsync(string remotePath, string localPath, bool overwrite = false, TransferOptions? options = null, CancellationToken cancellationToken = default)
    {
        var relative = RemotePath.NormalizeFile(remotePath);
        var key = RemotePath.ToKey(Backend.Prefix, relative);
        var target = Path.GetFullPath(localPath);
        if (!overwrite && File.Exists(target))
            throw new StorageConflictException($"The local file '{target}' already exists. Use -Force to overwrite it.", relative);
        if (Directory.Exists(target))
            throw new StorageConflictException($"The local path '{target}' is a folder, not a file.", relative);

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await ClearStaleTransfersOnce().ConfigureAwait(false);
        _downloadFolders.Visit(Path.GetDirectoryName(target)!);
        // Each attempt (a retry too) continues from what the previous one left, when it can.
        var download = new ResumableDownload(this, key, target, overwrite, options ?? TransferOptions.Default, TempPathBeside);
        var result = await Runner.RunAsync("download", relative, download.RunAsync, cancellationToken).ConfigureAwait(false);
        return Describe(result, key);
    }

    /// <summary>Copies a remote object into a stream; a retry rewinds a seekable stream, and fails for one that cannot rewind.</summary>
    public async Task<RemoteObject> DownloadAsync(string remotePath, Stream destination, TransferOptions? options = null, CancellationToken cancellationToken = default)
    {
        var relative = RemotePath.NormalizeFile(remotePath);
        var key = RemotePath.ToKey(Backend.Prefix, relative);
        var start = destination.CanSeek ? destination.Position : 0;
        var attempt = 0;
        var result = await Runner.RunAsync("download", relative, ct =>
        {
            if (++attempt > 1)
            {
                if (!destination.CanSeek)
                    throw new StorageException(StorageErrorKind.Unknown, $"The download of '{relative}' failed and cannot be retried: its destination stream cannot rewind.", relative);
                destination.Position = start;
                destination.SetLength(start);
            }
            return Backend.DownloadAsync(key, destination, options ?? TransferOptions.Default, ct);
        }, cancellationToken).ConfigureAwait(false);
        return Describe(result, key);
    }

    /// <summary>Metadata of one remote file, or null when it does not exist.</summary>
    public async Task<RemoteObject?> StatAsync(string remotePath, CancellationToken cancellationToken = default)
    {
        var relative = RemotePath.NormalizeFile(remotePath);
        var key = RemotePath.ToKey(Backend.Prefix, relative);
        var result = await Runner.RunAsync("stat", relative, ct => Backend.StatAsync(key, ct), cancellationToken).ConfigureAwait(false);
        return result is null ? null : Describe(result, key);
    }

    /// <summary>Lists pages under <paramref name="prefix"/> (relative to the configured prefix), streamed:
    /// the next page is requested while the caller works through the current one.</summary>
    public async IAsyncEnumerable<ListPage> ListPagesAsync(string? prefix, ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        var relativePrefix = RemotePath.NormalizePrefix(prefix);
        var keyPrefix = Backend.Prefix.Length == 0 ? relativePrefix : Backend.Prefix + "/" + relativePrefix;

        Task<ListPage> Fetch(string? token) => Runner.RunAsync("list", relativePrefix,
            ct => Backend.ListPageAsync(keyPrefix, options, token, ct), cancellationToken);

        var pending = Fetch(null);
        while (pending is not null)
        {
            var page = await pending.ConfigureAwait(false);
            pending = page.NextToken is null ? null : Fetch(page.NextToken);
            // Folders and files of one level come back in one key order, as a person reads them.
            var objects = page.CommonPrefixes
                .Select(p => Describe(new RemoteObject { Key = p, IsPrefix = true }, p))
                .Concat(page.Objects.Where(o => o.Key.StartsWith(keyPrefix, StringComparison.Ordinal)).Select(o => Describe(o, o.Key)))
                .OrderBy(o => o.Key, StringComparer.Ordinal)
                .ToList();
            yield return page with { Objects = objects };
        }
    }

    /// <summary>Every object (and, one level deep, every common prefix) under <paramref name="prefix"/>, streamed.</summary>
    public async IAsyncEnumerable<RemoteObject> ListAsync(string? prefix, ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in ListPagesAsync(prefix, options, cancellationToken).ConfigureAwait(false))
            foreach (var item in page.Objects)
                yield return item;
    }

    /// <summary>Deletes one remote file; a missing file is not an error.</summary>
    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken = default)
    {
        var relative = RemotePath.NormalizeFile(remotePath);
        var key = RemotePath.ToKey(Backend.Prefix, relative);
        return Runner.RunAsync("delete", relative, async ct => { await Backend.DeleteAsync(key, ct).ConfigureAwait(false); return true; }, cancellationToken);
    }

    /// <summary>
    /// Deletes many remote files in batches of the backend's size. Invalid paths and per-file
    /// failures are returned (Key holds the remote path as given), never thrown, so one bad file
    /// does not stop the rest. <paramref name="onBatchDone"/> hears how many were attempted per batch.
    /// </summary>
    public async Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IEnumerable<string> remotePaths, Action<int>? onBatchDone = null, CancellationToken cancellationToken = default)
    {
        var failures = new List<DeleteFailure>();
        var batch = new List<string>();
        var pathOfKey = new Dictionary<string, string>(StringComparer.Ordinal);

        async Task Flush()
        {
            if (batch.Count == 0) return;
            var keys = batch.ToArray();
            var batchFailures = await Runner.RunBatchAsync("delete-many", $"{keys.Length} files", keys.Length,
                ct => Backend.DeleteManyAsync(keys, ct), cancellationToken).ConfigureAwait(false);
            foreach (var failure in batchFailures)
                failures.Add(failure with { Key = pathOfKey.GetValueOrDefault(failure.Key, failure.Key) });
            onBatchDone?.Invoke(keys.Length);
            batch.Clear();
            pathOfKey.Clear();
        }

        foreach (var remotePath in remotePaths)
        {
            string key;
            try { key = KeyFor(remotePath); }
            catch (InvalidRemotePathException ex) { failures.Add(new DeleteFailure(remotePath, ex)); continue; }
            if (!pathOfKey.TryAdd(key, remotePath)) continue; // the same file twice in one batch
            batch.Add(key);
            if (batch.Count >= Math.Max(1, Backend.MaxDeleteBatchSize)) await Flush().ConfigureAwait(false);
        }
        await Flush().ConfigureAwait(false);
        return failures;
    }

    /// <summary>Checks that the bucket, container or root exists and the credentials work (one cheap request).</summary>
    /// <remarks>The runner's result is a reference type, as a transfer's is: the generic code of the runner and
    /// Polly then is the shared (canonical) instantiation the first upload or download reuses, where a bool
    /// made the JIT compile the whole pipeline a second time in a fresh process (~90 methods).</remarks>
    public Task CheckAsync(CancellationToken cancellationToken = default) =>
        Runner.RunAsync<object>("check", "", async ct => { await Backend.CheckAsync(ct).ConfigureAwait(false); return Checked; }, cancellationToken);

    static readonly object Checked = new();

    /// <summary>
    /// Copies one remote file of this store to <paramref name="destinationPath"/> in <paramref name="destination"/>
    /// (which may be this store): server-side when the destination backend can copy from this one, streamed
    /// otherwise (see <see cref="CopyMethodTo"/>). The copy is checked at the destination before this returns.
    /// With <see cref="CopyOptions.Move"/> the source is NOT deleted here (unless a backend renamed it,
    /// <see cref="CopyResult.SourceMoved"/>): the caller deletes verified sources in batches.
    /// </summary>
    public Task<CopyResult> CopyToAsync(string sourcePath, BronzeStore destination, string destinationPath, CopyOptions? options = null, CancellationToken cancellationToken = default) =>
        StoreCopier.CopyAsync(this, RemotePath.NormalizeFile(sourcePath), destination, RemotePath.NormalizeFile(destinationPath), options ?? CopyOptions.Default, cancellationToken);

    /// <summary>Whether copies from this store to <paramref name="destination"/> stay inside the store(s), and why.</summary>
    public ServerCopySupport CopyMethodTo(BronzeStore destination) => destination.Backend.CanCopyServerSide(Backend);

    public ValueTask DisposeAsync() => Backend.DisposeAsync();

    internal RemoteObject Describe(RemoteObject item, string key) => item with
    {
        Key = key,
        Path = RemotePath.ToRelative(Backend.Prefix, key),
        Backend = Backend.BackendType,
        Connection = Name,
    };

    static string TempPathBeside(string target) =>
        TempFileNames.Beside(target, TempFileNames.DownloadSuffix);

    internal static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
