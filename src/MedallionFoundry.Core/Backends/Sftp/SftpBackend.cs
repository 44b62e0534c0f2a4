using System.Collections.Concurrent;
using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>
/// A folder on an SFTP server (a partner's drop folder, a legacy file server) through SSH.NET, over
/// a small pool of connections (<see cref="SftpConnectionPool"/>). Behaves as the local backend does:
/// uploads go to a temporary name beside the target and are renamed into place, parent folders are
/// created, folders a delete leaves empty are removed. The server resolves every path (realpath,
/// symbolic links followed); a path that resolves anywhere but its own place under the root went
/// through a link and is refused, so nothing is read, written or deleted outside the root.
/// SFTP has no server-side hash: downloads are checked by size and modification time (see docs/backends/sftp.md).
/// </summary>
public sealed class SftpBackend : StorageBackend
{
    public static BackendDescriptor Descriptor { get; } = new()
    {
        Name = "sftp",
        Description = "A folder on an SFTP server (OpenSSH and compatible), e.g. a partner's drop folder.",
        Options = SftpOptions.All,
        OwnedSections = [SftpOptions.Connection],
        ConnectionSectionRequired = true,
        IsBuiltIn = true,
        Create = config => new SftpBackend(SftpSettings.FromConfig(config)),
    };

    readonly SftpConnectionPool _pool;
    readonly ConcurrentDictionary<string, byte> _knownFolders = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, SftpListCursor> _cursors = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<string> _orphans = new();
    readonly ConcurrentDictionary<string, byte> _cleanedFolders = new(StringComparer.Ordinal);
    volatile string? _root;

    public SftpBackend(SftpSettings settings)
    {
        Settings = settings;
        Prefix = settings.Prefix;
        _pool = new SftpConnectionPool(settings);
    }

    public SftpSettings Settings { get; }

    public override string BackendType => "sftp";

    public override string Location => Settings.Location;

    public override int DefaultConcurrency => Settings.MaxConnections;

    /// <summary>Connections opened so far (tests: reuse and reconnects).</summary>
    internal int ConnectionsOpened => _pool.ConnectionsOpened;

    public override Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken) =>
        Run(key, async client =>
        {
            var start = content.CanSeek ? content.Position : 0;
            for (var attempt = 1; ; attempt++)
            {
                var hashing = new Md5ReadStream(content);
                try
                {
                    return await UploadOnce(client, key, hashing, options, cancellationToken).ConfigureAwait(false);
                }
                catch (Renci.SshNet.Common.SftpPathNotFoundException) when (attempt < 5 && (hashing.BytesRead == 0 || content.CanSeek))
                {
                    // A concurrent delete removed the folder this upload had just made: make it again.
                    ForgetFolder(ParentOf(key));
                    if (content.CanSeek) content.Position = start;
                }
            }
        }, cancellationToken);

    async Task<RemoteObject> UploadOnce(SftpClient client, string key, Md5ReadStream content, UploadOptions options, CancellationToken cancellationToken)
    {
        var (folder, created) = await EnsureFolder(client, ParentOf(key), cancellationToken).ConfigureAwait(false);
        var target = Join(folder, NameOf(key));
        if (created) _cleanedFolders.TryAdd(folder, 0);
        else await CleanStaleTempsOnce(client, folder, cancellationToken).ConfigureAwait(false);
        // In a folder this call just made there is nothing to check (one round trip less per new partition).
        var existing = created ? null : await StatExact(client, target, key, cancellationToken).ConfigureAwait(false);
        if (existing is { IsRegularFile: false })
            throw new StorageConflictException($"The remote path '{key}' is a folder on the SFTP server.", key);
        if (existing is not null && !options.Overwrite)
            throw new StorageConflictException($"The remote file '{key}' already exists.", key);

        var temp = Join(folder, TempFileNames.Beside(NameOf(key), TempFileNames.UploadSuffix)); // a bare name in: a bare name out
        var moved = false;
        try
        {
            long reported = 0;
            // Completes once the server has acknowledged every write (SSH_FX_OK per request).
            await client.UploadFileAsync(content, temp, canOverride: false, new UploadProgress(total =>
            {
                options.Progress?.Report(total - reported);
                reported = total;
            }), cancellationToken).ConfigureAwait(false);

            if (options.Overwrite)
                await Task.Run(() => client.RenameFile(temp, target, isPosix: true), cancellationToken).ConfigureAwait(false); // replaces atomically
            else
                await RenameNoClobber(client, temp, target, key, cancellationToken).ConfigureAwait(false);
            moved = true;
            return new RemoteObject
            {
                Key = key,
                Size = content.BytesRead,
                LastModified = DateTimeOffset.UtcNow,
                ContentMD5 = Convert.ToBase64String(content.Hash()),
                Backend = BackendType,
            };
        }
        finally
        {
            if (!moved) await TryRemoveTemp(client, temp).ConfigureAwait(false);
        }
    }

    /// <summary>SFTP's plain rename refuses an existing target (OpenSSH links, then unlinks): the check is atomic.</summary>
    static async Task RenameNoClobber(SftpClient client, string temp, string target, string key, CancellationToken cancellationToken)
    {
        try
        {
            await client.RenameFileAsync(temp, target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SftpErrors.IsServerStatus(ex) && ex is not Renci.SshNet.Common.SftpPathNotFoundException)
        {
            if (await client.ExistsAsync(target, cancellationToken).ConfigureAwait(false))
                throw new StorageConflictException($"The remote file '{key}' already exists.", key, ex);
            throw;
        }
    }

    /// <summary>Removes a failed upload's temporary file; when the connection is gone, it is queued and
    /// removed by a later call (listings never show *.mftmp files meanwhile).</summary>
    async Task TryRemoveTemp(SftpClient client, string temp)
    {
        try
        {
            if (client.IsConnected) { await client.DeleteFileAsync(temp, CancellationToken.None).ConfigureAwait(false); return; }
        }
        catch (Renci.SshNet.Common.SftpPathNotFoundException) { return; }
        catch (Exception) { }
        _orphans.Enqueue(temp);
    }

    /// <summary>The first upload of a session into an existing folder deletes the temporary files that
    /// killed runs left there (untouched for <see cref="TempFileNames.StaleAge"/>); best effort. A folder
    /// this session made has none, so new partitions cost no listing.</summary>
    async Task CleanStaleTempsOnce(SftpClient client, string folder, CancellationToken cancellationToken)
    {
        if (!_cleanedFolders.TryAdd(folder, 0)) return;
        if (_cleanedFolders.Count > 10_000) _cleanedFolders.Clear();
        var now = DateTime.UtcNow;
        try
        {
            await foreach (var file in client.ListDirectoryAsync(folder, cancellationToken).ConfigureAwait(false))
            {
                if (!file.IsRegularFile || !TempFileNames.IsTempName(file.Name) || now - file.LastWriteTimeUtc <= TempFileNames.StaleAge) continue;
                try { await client.DeleteFileAsync(file.FullName, cancellationToken).ConfigureAwait(false); }
                catch (Exception ex) when (SftpErrors.IsServerStatus(ex)) { }
            }
        }
        catch (Exception ex) when (SftpErrors.IsServerStatus(ex)) { }
    }

    async Task RemoveOrphans(SftpClient client, CancellationToken cancellationToken)
    {
        var count = _orphans.Count;
        while (count-- > 0 && _orphans.TryDequeue(out var temp))
        {
            try { await client.DeleteFileAsync(temp, cancellationToken).ConfigureAwait(false); }
            catch (Renci.SshNet.Common.SftpPathNotFoundException) { }
            catch (Exception) when (client.IsConnected) { }
        }
    }

    public override Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken) =>
        Run(key, async client =>
        {
            var path = await FullPath(client, key, cancellationToken).ConfigureAwait(false);
            var before = await StatExact(client, path, key, cancellationToken).ConfigureAwait(false);
            if (before is not { IsRegularFile: true })
                throw new StorageNotFoundException($"The remote file '{key}' does not exist.", key);

            var hashing = new Md5WriteStream(destination);
            long reported = 0;
            await client.DownloadFileAsync(path, hashing, new SyncProgress<Renci.SshNet.DownloadFileProgressReport>(r =>
            {
                var total = (long)r.TotalBytesDownloaded;
                options.Progress?.Report(total - reported);
                reported = total;
            }), cancellationToken).ConfigureAwait(false);

            // No server-side hash in SFTP: the SSH transport's MAC guards the bytes in flight; the size
            // and modification time guard against a short read and a file replaced while it was read.
            var after = await client.GetAttributesAsync(path, cancellationToken).ConfigureAwait(false);
            if (hashing.BytesWritten != before.Length)
                throw new StorageIntegrityException($"The remote file '{key}' arrived with {hashing.BytesWritten} bytes instead of {before.Length}.", key);
            if (after.Size != before.Length || after.LastWriteTimeUtc != before.LastWriteTimeUtc)
                throw new StorageIntegrityException($"The remote file '{key}' changed on the SFTP server while it was read; try again.", key);
            return Describe(key, before.Attributes) with { ContentMD5 = Convert.ToBase64String(hashing.Hash()) };
        }, cancellationToken);

    public override Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken) =>
        Run(key, async client =>
        {
            var file = await StatExact(client, await FullPath(client, key, cancellationToken).ConfigureAwait(false), key, cancellationToken).ConfigureAwait(false);
            return file is { IsRegularFile: true } ? Describe(key, file.Attributes) : null;
        }, cancellationToken);

    public override Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Run<bool>(key, async client =>
        {
            var path = await FullPath(client, key, cancellationToken).ConfigureAwait(false);
            var file = await StatExact(client, path, key, cancellationToken).ConfigureAwait(false);
            if (file is null) return true;
            if (file.IsDirectory)
                throw new StorageConflictException($"The remote path '{key}' is a folder on the SFTP server, not a file.", key);
            try { await client.DeleteFileAsync(path, cancellationToken).ConfigureAwait(false); }
            catch (Renci.SshNet.Common.SftpPathNotFoundException) { return true; }
            await RemoveEmptyFolders(client, ParentOf(key), cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Object stores have no folders: drop the ones a delete left empty, up to (not including) the root.
    /// rmdir refuses a folder that is not empty, so a concurrent upload's folder survives.</summary>
    async Task RemoveEmptyFolders(SftpClient client, string folderKey, CancellationToken cancellationToken)
    {
        for (; folderKey.Length > 0; folderKey = ParentOf(folderKey))
        {
            try
            {
                await client.DeleteDirectoryAsync(Join(_root!, folderKey), cancellationToken).ConfigureAwait(false);
                ForgetFolder(folderKey);
            }
            catch (Exception ex) when (SftpErrors.IsServerStatus(ex))
            {
                return; // not empty (or already gone, or not ours to remove)
            }
        }
    }

    public override Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken) =>
        Run(keyPrefix, async client =>
        {
            var cursor = continuationToken is not null && _cursors.TryRemove(continuationToken, out var kept)
                ? kept
                : await SftpListCursor.OpenAsync(this, client, keyPrefix, options.Recursive, SftpListCursor.LastKeyOf(continuationToken), cancellationToken).ConfigureAwait(false);
            var page = await cursor.NextPageAsync(client, Math.Max(1, options.PageSize), cancellationToken).ConfigureAwait(false);
            if (page.NextToken is not null)
            {
                if (_cursors.Count > 64) _cursors.Clear(); // abandoned listings (Select-Object -First) leave cursors behind
                _cursors[page.NextToken] = cursor;
            }
            return page;
        }, cancellationToken);

    /// <summary>The entries of one folder (regular files and folders; links, temporary files and
    /// other kinds skipped), in key order: a folder sorts as "name/", so a depth-first walk over
    /// them yields keys in the same order S3 lists them.</summary>
    internal async Task<SftpListCursor.Entry[]> ReadFolderAsync(SftpClient client, string folderKey, CancellationToken cancellationToken)
    {
        var entries = new List<SftpListCursor.Entry>();
        try
        {
            await foreach (var file in client.ListDirectoryAsync(Join(_root!, folderKey), cancellationToken).ConfigureAwait(false))
            {
                if (file.Name is "." or ".." || file.IsSymbolicLink || TempFileNames.IsTempName(file.Name)) continue;
                var key = folderKey.Length == 0 ? file.Name : folderKey + "/" + file.Name;
                if (file.IsDirectory) entries.Add(new(key + "/", null));
                else if (file.IsRegularFile) entries.Add(new(key, Describe(key, file.Attributes)));
            }
        }
        catch (Renci.SshNet.Common.SftpPathNotFoundException)
        {
            return []; // removed while it was listed
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return entries.ToArray();
    }

    /// <summary>Whether <paramref name="folderKey"/> is an existing folder of its own (not through a link).</summary>
    internal async Task<bool> IsFolderAsync(SftpClient client, string folderKey, CancellationToken cancellationToken)
    {
        if (folderKey.Length == 0) return true;
        var folder = await StatExact(client, Join(await RootAsync(client, cancellationToken).ConfigureAwait(false), folderKey), folderKey, cancellationToken).ConfigureAwait(false);
        return folder is { IsDirectory: true };
    }

    /// <summary>Runs one operation on a pooled connection, once the root is known and leftovers of
    /// earlier failed uploads are cleaned up.</summary>
    Task<T> Run<T>(string key, Func<SftpClient, Task<T>> action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _pool.RunAsync(key, async client =>
        {
            await RootAsync(client, cancellationToken).ConfigureAwait(false);
            if (!_orphans.IsEmpty) await RemoveOrphans(client, cancellationToken).ConfigureAwait(false);
            return await action(client).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>The root folder as the server resolves it (sftp_path, or the login's start folder).</summary>
    async Task<string> RootAsync(SftpClient client, CancellationToken cancellationToken)
    {
        if (_root is { } known) return known;
        var configured = Settings.RootPath ?? ".";
        ISftpFile root;
        try { root = await client.GetAsync(configured, cancellationToken).ConfigureAwait(false); }
        catch (Renci.SshNet.Common.SftpPathNotFoundException ex)
        {
            throw new StorageContainerNotFoundException($"The folder '{configured}' (platform.bronze.sftp_path) does not exist on the SFTP server {_pool.Server}.", configured, ex);
        }
        if (!root.IsDirectory)
            throw new StorageContainerNotFoundException($"The path '{configured}' (platform.bronze.sftp_path) on the SFTP server {_pool.Server} is not a folder.", configured);
        return _root = root.FullName.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/";
    }

    async Task<string> FullPath(SftpClient client, string key, CancellationToken cancellationToken) =>
        Join(await RootAsync(client, cancellationToken).ConfigureAwait(false), key);

    /// <summary>The folder of <paramref name="folderKey"/>, created (with its parents) when missing; Created
    /// says whether this call made it. Folders seen once are remembered, so a burst of small uploads does
    /// not check the same folder each time.</summary>
    async Task<(string Path, bool Created)> EnsureFolder(SftpClient client, string folderKey, CancellationToken cancellationToken)
    {
        var path = Join(_root!, folderKey);
        if (folderKey.Length == 0 || _knownFolders.ContainsKey(folderKey)) return (path, false);
        var folder = await StatExact(client, path, folderKey, cancellationToken).ConfigureAwait(false);
        var created = false;
        if (folder is null)
        {
            await EnsureFolder(client, ParentOf(folderKey), cancellationToken).ConfigureAwait(false);
            try
            {
                await client.CreateDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
                created = true; // a new folder in a checked one: no link on the way
            }
            catch (Exception ex) when (SftpErrors.IsServerStatus(ex) && ex is not Renci.SshNet.Common.SftpPermissionDeniedException)
            {
                folder = await StatExact(client, path, folderKey, cancellationToken).ConfigureAwait(false); // made meanwhile by a concurrent upload?
            }
        }
        if (!created && folder is not { IsDirectory: true })
            throw new StorageConflictException($"The remote path '{folderKey}' is a file on the SFTP server, so it cannot hold other files.", folderKey);
        if (_knownFolders.Count > 10_000) _knownFolders.Clear();
        _knownFolders[folderKey] = 0;
        return (path, created);
    }

    void ForgetFolder(string folderKey)
    {
        for (; folderKey.Length > 0; folderKey = ParentOf(folderKey))
            _knownFolders.TryRemove(folderKey, out _);
    }

    /// <summary>
    /// What is at <paramref name="path"/> (null when nothing is), as long as the server resolves the
    /// path to itself. SSH.NET resolves every path through the server's realpath, which follows
    /// symbolic links; a different answer means a link on the way, and acting on it could read, write
    /// or delete outside the root (or another file under it), so it is refused.
    /// </summary>
    async Task<ISftpFile?> StatExact(SftpClient client, string path, string key, CancellationToken cancellationToken)
    {
        ISftpFile file;
        try { file = await client.GetAsync(path, cancellationToken).ConfigureAwait(false); }
        catch (Renci.SshNet.Common.SftpPathNotFoundException) { return null; }
        if (!string.Equals(file.FullName, path, StringComparison.Ordinal) || file.IsSymbolicLink)
            throw new InvalidRemotePathException(
                $"The remote path '{key}' goes through a symbolic link on the SFTP server (it resolves to '{file.FullName}'); this backend does not follow links.", key);
        return file;
    }

    static string Join(string folder, string key) => key.Length == 0 ? folder : folder == "/" ? "/" + key : folder + "/" + key;

    static string ParentOf(string key)
    {
        var slash = key.TrimEnd('/').LastIndexOf('/');
        return slash < 0 ? "" : key[..slash];
    }

    static string NameOf(string key) => key[(key.LastIndexOf('/') + 1)..];

    RemoteObject Describe(string key, SftpFileAttributes attributes) => new()
    {
        Key = key,
        Size = attributes.Size,
        LastModified = new DateTimeOffset(DateTime.SpecifyKind(attributes.LastWriteTimeUtc, DateTimeKind.Utc)),
        ETag = $"{attributes.LastWriteTimeUtc.Ticks:x}-{attributes.Size:x}",
        Backend = BackendType,
    };

    public override async ValueTask DisposeAsync() => await _pool.DisposeAsync().ConfigureAwait(false);

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to a context, out of order).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    sealed class UploadProgress(Action<long> report) : IProgress<Renci.SshNet.UploadFileProgressReport>
    {
        public void Report(Renci.SshNet.UploadFileProgressReport value) => report((long)value.TotalBytesUploaded);
    }
}
