using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Local;

/// <summary>
/// Stores objects as files under a root folder (platform.bronze.local_path). Writes go to a
/// temporary file in the target folder and are renamed into place, so readers never see half a file.
/// </summary>
public sealed partial class LocalBackend : StorageBackend
{
    const int BufferSize = 1 << 20;

    readonly StaleTempFolders _uploadFolders = new();

    public static BackendDescriptor Descriptor { get; } = new()
    {
        Name = "local",
        Description = "A folder on the local disk or a mounted share.",
        Options = LocalOptions.All,
        IsBuiltIn = true,
        Create = config => new LocalBackend(Path.GetFullPath(config.Platform.String(LocalOptions.Path)!, config.BaseDirectory)),
    };

    public LocalBackend(string rootPath)
    {
        Root = Path.GetFullPath(rootPath);
    }

    /// <summary>The folder objects are stored in.</summary>
    public string Root { get; }

    /// <summary>The root's real path (links followed), computed once per connection instead of once per key: a walk of every
    /// folder from '/'. Only a change to the root's own path (a link above the store) could make it stale, and whoever
    /// can change that already decides where every write of the store goes. The key's own folders are checked per key.</summary>
    string RealRoot => _realRoot ??= LocalLinks.RealPath(Root);
    string? _realRoot;

    public override string BackendType => "local";

    public override string Location => Root;

    public override int DefaultConcurrency => 4;

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = FullPathOf(key);
        return await WithRetryOnVanishedFolder(key, async attempt =>
        {
            var folder = Path.GetDirectoryName(target)!;
            EnsureFolder(folder, known: attempt == 1);
            _uploadFolders.Visit(folder);
            var temp = TempFileNames.Beside(target, TempFileNames.UploadSuffix);
            try
            {
                await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
                    await CopyAsync(content, output, options.Progress, cancellationToken).ConfigureAwait(false);
                MoveIntoPlace(temp, target, key, options.Overwrite);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return Describe(key, new FileInfo(target));
        }).ConfigureAwait(false);
    }

    /// <summary>File to file: one kernel copy (copy_file_range/sendfile, as cp does) instead of a
    /// user-space stream loop; the benchmark measured the stream path at several times cp's time on
    /// small partition files. The copy gets a fresh modification time, as a streamed upload would.</summary>
    public override async Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = FullPathOf(key);
        return await WithRetryOnVanishedFolder(key, attempt =>
        {
            var folder = Path.GetDirectoryName(target)!;
            EnsureFolder(folder, known: attempt == 1);
            _uploadFolders.Visit(folder);
            var temp = TempFileNames.Beside(target, TempFileNames.UploadSuffix);
            try
            {
                CopyFresh(localPath, temp, cancellationToken);
                MoveIntoPlace(temp, target, key, options.Overwrite);
            }
            catch
            {
                TryDelete(temp); // after a move that worked there is nothing to delete: no stat per file
                throw;
            }
            // The file just renamed into place is the module's own, never a link: no readlink to describe it.
            var stored = DescribeFile(key, new FileInfo(target));
            options.Progress?.Report(stored.Size);
            return Task.FromResult(stored);
        }).ConfigureAwait(false);
    }

    /// <summary>Remote file to the caller's temp file, with one kernel copy (see UploadFileAsync).</summary>
    public override Task<RemoteObject> DownloadFileAsync(string key, string localPath, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var source = new FileInfo(FullPathOf(key));
        try
        {
            CopyFresh(source.FullName, localPath, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException && !File.Exists(source.FullName))
        {
            throw new StorageNotFoundException($"The remote file '{key}' does not exist.", key, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageAccessDeniedException($"Access to the remote file '{key}' was denied.", key, ex);
        }
        source.Refresh();
        options.Progress?.Report(source.Length);
        return Task.FromResult(Describe(key, source));
    }

    /// <summary>Copies a file to a new path (never over an existing one) and stamps it with the current
    /// time: File.Copy keeps the source's times, a fresh object or download must not look old.</summary>
    static void CopyFresh(string source, string destination, CancellationToken cancellationToken)
    {
        File.Copy(source, destination, overwrite: false);
        cancellationToken.ThrowIfCancellationRequested();
        File.SetLastWriteTimeUtc(destination, DateTime.UtcNow);
    }

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var source = FullPathOf(key);
        FileStream input;
        try
        {
            input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, useAsync: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StorageNotFoundException($"The remote file '{key}' does not exist.", key, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageAccessDeniedException($"Access to the remote file '{key}' was denied.", key, ex);
        }

        await using (input)
        {
            await CopyAsync(input, destination, options.Progress, cancellationToken).ConfigureAwait(false);
            return Describe(key, new FileInfo(source));
        }
    }

    public override Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var slash = keyPrefix.LastIndexOf('/');
        var folderKey = slash < 0 ? "" : keyPrefix[..slash];
        var folder = folderKey.Length == 0 ? Root : FullPathOf(folderKey);

        // Objects and common prefixes share one key-ordered sequence, as on S3.
        var entries = new List<(string Key, FileInfo? File)>();
        if (Directory.Exists(folder))
        {
            // Recursive: the shared walk (no folder link followed, no link leaving the root, no temp file, no loop).
            // One level: the folder's own entries, with the same two exclusions.
            var realRoot = RealRoot;
            var files = options.Recursive
                ? LocalFileTree.Enumerate(folder, new LocalFileTreeOptions { Boundary = Root })
                    .Where(e => e.Kind == LocalTreeEntryKind.File).Select(e => new FileInfo(e.FullPath))
                : new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.TopDirectoryOnly)
                    .Where(f => !TempFileNames.IsTempName(f.Name) && !LeavesRoot(f, realRoot));
            foreach (var file in files)
            {
                var key = KeyOf(file.FullName);
                if (key.StartsWith(keyPrefix, StringComparison.Ordinal)) entries.Add((key, file));
            }
            if (!options.Recursive)
            {
                foreach (var dir in new DirectoryInfo(folder).EnumerateDirectories())
                {
                    if (LeavesRoot(dir, realRoot)) continue;
                    var key = KeyOf(dir.FullName) + "/";
                    if (key.StartsWith(keyPrefix, StringComparison.Ordinal)) entries.Add((key, null));
                }
            }
        }

        var pageSize = Math.Max(1, options.PageSize);
        var remaining = entries
            .Where(e => continuationToken is null || string.CompareOrdinal(e.Key, continuationToken) > 0)
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToList();
        var page = remaining.Take(pageSize).ToList();
        var next = remaining.Count > pageSize ? page[^1].Key : null;
        var objects = page.Where(e => e.File is not null).Select(e => Describe(e.Key, e.File!)).ToList();
        var prefixes = page.Where(e => e.File is null).Select(e => e.Key).ToList();
        return Task.FromResult(new ListPage(objects, prefixes, next));
    }

    /// <summary>The root must exist, or at least its parent (the first upload creates the root).</summary>
    public override Task CheckAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(Root) || Directory.Exists(Path.GetDirectoryName(Root))) return Task.CompletedTask;
        throw new StorageContainerNotFoundException($"The local root folder '{Root}' does not exist, nor does its parent folder. Create it or fix 'platform.bronze.local_path'.", Root);
    }

    public override Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new FileInfo(FullPathOf(key));
        return Task.FromResult(info.Exists ? Describe(key, info) : null);
    }

    public override Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = FullPathOf(key);
        if (Directory.Exists(path))
            throw new InvalidRemotePathException($"'{RemotePath.ToRelative(Prefix, key)}' is a folder, not a file. To delete everything under it use Remove-BronzeFile -Prefix '{RemotePath.ToRelative(Prefix, key)}/' -Recurse.", key);
        try
        {
            File.Delete(path); // no error when missing
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageAccessDeniedException($"Access to the remote file '{key}' was denied.", key, ex);
        }
        RemoveEmptyFolders(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <summary>Object stores have no folders: drop the ones a delete left empty, up to the root.</summary>
    void RemoveEmptyFolders(string folder)
    {
        while (folder.Length > Root.Length && folder.StartsWith(Root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any()) return;
                Directory.Delete(folder);
            }
            catch (IOException) { return; } // filled again by a concurrent upload, or already gone
            catch (UnauthorizedAccessException) { return; }
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    /// <summary>A concurrent delete may remove the folder an upload just created: try again then (the action
    /// hears the attempt's number: from the second on it creates its folder even when it made it before).</summary>
    internal static async Task<T> WithRetryOnVanishedFolder<T>(string key, Func<int, Task<T>> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await action(attempt).ConfigureAwait(false); }
            catch (Exception ex) when (attempt < 5 && IsVanishedFolder(ex)) { }
            catch (UnauthorizedAccessException ex)
            {
                throw new StorageAccessDeniedException($"Access to the remote file '{key}' was denied.", key, ex);
            }
        }
    }

    /// <summary>The upload's folder was missing when its temporary file was created, moved or touched. .NET names
    /// the folder only when it is still missing at the moment it looks: when another upload has just made it
    /// again, the error names the temporary file instead (seen in CI: about one Drive test run in forty).</summary>
    static bool IsVanishedFolder(Exception ex) =>
        ex is DirectoryNotFoundException
        || (ex is FileNotFoundException { FileName: { } file } && TempFileNames.IsTempName(Path.GetFileName(file)));

    /// <summary>Folders this store made for uploads: each is created once, not once per file (mkdir and stat). One
    /// that a delete removed since makes the upload fail as a vanished folder (<see cref="IsVanishedFolder"/>), whose retry creates it again.</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _madeFolders = new(StringComparer.Ordinal);

    void EnsureFolder(string folder, bool known)
    {
        if (known && _madeFolders.ContainsKey(folder)) return;
        Directory.CreateDirectory(folder);
        _madeFolders.TryAdd(folder, 0);
    }

    /// <summary>Renames the upload into place. A folder of that name is found only when the rename fails (no stat per file).</summary>
    static void MoveIntoPlace(string temp, string target, string key, bool overwrite)
    {
        try
        {
            File.Move(temp, target, overwrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && Directory.Exists(target))
        {
            throw new StorageConflictException($"The remote path '{key}' is a folder in the local store.", key, ex);
        }
        catch (IOException ex) when (!overwrite && File.Exists(target))
        {
            throw new StorageConflictException($"The remote file '{key}' already exists.", key, ex);
        }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    static async Task CopyAsync(Stream input, Stream output, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await input.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                progress?.Report(read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    string FullPathOf(string key)
    {
        var full = Path.GetFullPath(Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != Root)
            throw new InvalidRemotePathException($"The key '{key}' points outside the local store.", key);
        // Links inside the store may point anywhere: none is ever read, written or deleted through when it leaves the root.
        if (!LocalLinks.TryResolveInside(Root, RealRoot, key, out _, out var link, out var target))
            throw new InvalidRemotePathException($"The key '{key}' leads through the link '{link}' to '{target}', outside the local store.", key);
        return full;
    }

    /// <summary>A link whose real target lies outside the store's real root is not part of the store.</summary>
    static bool LeavesRoot(FileSystemInfo entry, string realRoot)
    {
        if (entry.LinkTarget is null) return false;
        try { return !LocalLinks.IsInside(realRoot, LocalLinks.RealPath(entry.FullName)); }
        catch (IOException) { return true; } // a link loop
    }

    string KeyOf(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>A file link (one inside the store; others never get here) is described by the file it
    /// points to: FileInfo of the link itself has the link's own size (the length of its target's name).</summary>
    RemoteObject Describe(string key, FileInfo entry) => DescribeFile(key, entry.LinkTarget is null ? entry : entry.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? entry);

    RemoteObject DescribeFile(string key, FileInfo info) => new()
    {
        Key = key,
        Size = info.Length,
        LastModified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero),
        ETag = $"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}",
        Backend = BackendType,
    };
}
