namespace MedallionFoundry.Storage;

/// <summary>What one entry of a local tree walk is.</summary>
public enum LocalTreeEntryKind
{
    /// <summary>A file to transfer (a regular file, or a link to one that the options allow).</summary>
    File,
    /// <summary>A link that was not followed; <see cref="LocalTreeEntry.SkipReason"/> says why. Not an error.</summary>
    Skipped,
    /// <summary>An entry that could not be read (an unreadable folder, a path too long); the walk goes on.</summary>
    Error,
}

/// <summary>Why a link was not followed.</summary>
public enum LocalTreeSkipReason
{
    None,
    /// <summary>A link to a folder, and folder links are not followed.</summary>
    FolderLink,
    /// <summary>A link whose target lies outside the tree (or the boundary).</summary>
    LinkOutside,
    /// <summary>A link whose target does not exist.</summary>
    BrokenLink,
    /// <summary>A link to a folder the walk is already inside: following it would never end.</summary>
    Loop,
}

/// <summary>One entry found by <see cref="LocalFileTree.Enumerate"/>.</summary>
public sealed record LocalTreeEntry
{
    public required LocalTreeEntryKind Kind { get; init; }

    /// <summary>The entry's path as reached from the root given (a followed link stays in the path, not its target).</summary>
    public required string FullPath { get; init; }

    /// <summary>The path relative to the root, '/'-separated; each name keeps its own characters (a '\' in a Linux file name stays).</summary>
    public required string RelativePath { get; init; }

    /// <summary>Size in bytes when the folder was read (files only).</summary>
    public long Length { get; init; }

    public DateTime LastWriteTimeUtc { get; init; }

    public LocalTreeSkipReason SkipReason { get; init; }

    /// <summary>For a link: the real path it leads to (null when it could not be resolved).</summary>
    public string? LinkTarget { get; init; }

    /// <summary>For an error entry: what went wrong.</summary>
    public Exception? Error { get; init; }

    /// <summary>A sentence for a person: why a link was skipped, or what failed.</summary>
    public string Describe() => Kind switch
    {
        LocalTreeEntryKind.Skipped => SkipReason switch
        {
            LocalTreeSkipReason.FolderLink => $"Skipped '{FullPath}': it is a link to the folder '{LinkTarget}', and links to folders are not followed.",
            LocalTreeSkipReason.LinkOutside => $"Skipped '{FullPath}': it is a link to '{LinkTarget}', outside the folder.",
            LocalTreeSkipReason.BrokenLink => $"Skipped '{FullPath}': it is a link to '{LinkTarget}', which does not exist.",
            LocalTreeSkipReason.Loop => $"Skipped '{FullPath}': it is a link to '{LinkTarget}', a folder it is already inside (a loop).",
            _ => $"Skipped '{FullPath}'.",
        },
        LocalTreeEntryKind.Error => $"Could not read '{FullPath}': {Error?.Message}",
        _ => FullPath,
    };
}

/// <summary>How <see cref="LocalFileTree.Enumerate"/> treats links. The default is the upload rule.</summary>
public sealed record LocalFileTreeOptions
{
    /// <summary>Descend into links to folders (with loop detection). Default: no.</summary>
    public bool FollowFolderLinks { get; init; }

    /// <summary>Follow links whose target lies outside <see cref="Boundary"/>. Default: no.</summary>
    public bool FollowLinksOutside { get; init; }

    /// <summary>The folder links must stay inside (default: the root being walked).</summary>
    public string? Boundary { get; init; }

    /// <summary>Upload default: files and links to files inside the tree; links to folders and links leaving the tree are skipped.</summary>
    public static LocalFileTreeOptions Default { get; } = new();

    /// <summary>Every link followed (Send-BronzeFile -FollowSymlink); loops are still detected and skipped.</summary>
    public static LocalFileTreeOptions FollowAll { get; } = new() { FollowFolderLinks = true, FollowLinksOutside = true };
}

/// <summary>
/// Walks a local folder for transfer: the one place that decides which local files a folder holds.
/// Links are treated by <see cref="LocalFileTreeOptions"/>, loops never recurse, the module's own
/// temporary files (<see cref="TempFileNames"/>) are never returned, and an unreadable folder or an
/// over-long path is an <see cref="LocalTreeEntryKind.Error"/> entry while the walk carries on.
/// Entries come folder by folder, names in ordinal order, lazily (a huge tree is never held in memory).
/// </summary>
public static class LocalFileTree
{
    static readonly EnumerationOptions OneFolder = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0, // dot files are data too
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
        ReturnSpecialDirectories = false,
    };

    /// <summary>A folder on the walk: how it was reached, and its real path (for loop detection).</summary>
    sealed record Folder(string FullPath, string RelativePath, string RealPath, Folder? Parent)
    {
        public bool IsInside(string realPath)
        {
            for (var f = this; f is not null; f = f.Parent)
                if (LocalLinks.PathComparer.Equals(f.RealPath, realPath)) return true;
            return false;
        }
    }

    /// <summary>Every file under <paramref name="root"/> (which may itself be a link: the caller named it).</summary>
    public static IEnumerable<LocalTreeEntry> Enumerate(string root, LocalFileTreeOptions? options = null)
    {
        options ??= LocalFileTreeOptions.Default;
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        string realRoot, boundary;
        try
        {
            realRoot = LocalLinks.RealPath(full);
            boundary = options.Boundary is null ? realRoot : LocalLinks.RealPath(options.Boundary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [new LocalTreeEntry { Kind = LocalTreeEntryKind.Error, FullPath = full, RelativePath = "", Error = ex }];
        }
        return Walk(new Folder(full, "", realRoot, null), boundary, options);
    }

    static IEnumerable<LocalTreeEntry> Walk(Folder start, string boundary, LocalFileTreeOptions options)
    {
        var pending = new Stack<(Folder Folder, Queue<FileSystemInfo> Entries)>();
        LocalTreeEntry? failure;
        var first = Read(start, out failure);
        if (failure is not null) { yield return failure; yield break; }
        pending.Push((start, first));

        while (pending.Count > 0)
        {
            var (folder, entries) = pending.Peek();
            if (!entries.TryDequeue(out var info)) { pending.Pop(); continue; }

            var name = info.Name;
            var fullPath = Path.Join(folder.FullPath, name);
            var relative = folder.RelativePath.Length == 0 ? name : folder.RelativePath + "/" + name;
            var isLink = (info.Attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is not null;

            if (!isLink)
            {
                if (info is DirectoryInfo)
                {
                    var child = new Folder(fullPath, relative, Path.Join(folder.RealPath, name), folder);
                    var childEntries = Read(child, out failure);
                    if (failure is not null) yield return failure;
                    else pending.Push((child, childEntries));
                }
                else if (!TempFileNames.IsTempName(name) && FileEntry(info, fullPath, relative) is { } file)
                {
                    yield return file;
                }
                continue;
            }

            var entry = Link(folder, info, fullPath, relative, boundary, options, out var folderToEnter);
            if (folderToEnter is not null)
            {
                var childEntries = Read(folderToEnter, out failure);
                if (failure is not null) yield return failure;
                else pending.Push((folderToEnter, childEntries));
            }
            else if (entry is not null)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Decides about one link: an entry to report (a file, a skip, an error) or a folder to enter.</summary>
    static LocalTreeEntry? Link(Folder folder, FileSystemInfo info, string fullPath, string relative, string boundary, LocalFileTreeOptions options, out Folder? enter)
    {
        enter = null;
        string real;
        try { real = LocalLinks.RealPath(fullPath); }
        catch (IOException ex) // a loop of links pointing at each other
        {
            return Skip(fullPath, relative, LocalTreeSkipReason.Loop, info.LinkTarget, ex);
        }

        var skip = (LocalTreeSkipReason reason) => Skip(fullPath, relative, reason, real);
        if (!Path.Exists(real))
        {
            if (!options.FollowLinksOutside) return skip(LocalTreeSkipReason.BrokenLink);
            return new LocalTreeEntry
            {
                Kind = LocalTreeEntryKind.Error, FullPath = fullPath, RelativePath = relative, LinkTarget = real,
                Error = new FileNotFoundException($"The link '{fullPath}' points to '{real}', which does not exist.", fullPath),
            };
        }
        var outside = !LocalLinks.IsInside(boundary, real);
        if (outside && !options.FollowLinksOutside) return skip(LocalTreeSkipReason.LinkOutside);

        if (Directory.Exists(real))
        {
            if (!options.FollowFolderLinks) return skip(LocalTreeSkipReason.FolderLink);
            if (folder.IsInside(real)) return skip(LocalTreeSkipReason.Loop);
            enter = new Folder(fullPath, relative, real, folder);
            return null;
        }
        if (TempFileNames.IsTempName(info.Name)) return null;
        var target = new FileInfo(real);
        return FileEntry(target, fullPath, relative) is { } file ? file with { LinkTarget = real } : null;
    }

    static LocalTreeEntry Skip(string fullPath, string relative, LocalTreeSkipReason reason, string? target, Exception? error = null) => new()
    {
        Kind = LocalTreeEntryKind.Skipped, FullPath = fullPath, RelativePath = relative, SkipReason = reason, LinkTarget = target, Error = error,
    };

    /// <summary>A file entry with its size and time; null when it vanished since the folder was read.</summary>
    static LocalTreeEntry? FileEntry(FileSystemInfo info, string fullPath, string relative)
    {
        try
        {
            var file = (FileInfo)info;
            return new LocalTreeEntry
            {
                Kind = LocalTreeEntryKind.File, FullPath = fullPath, RelativePath = relative,
                Length = file.Length, LastWriteTimeUtc = file.LastWriteTimeUtc,
            };
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>A folder's entries in name order; a folder that cannot be read becomes one error entry.</summary>
    static Queue<FileSystemInfo> Read(Folder folder, out LocalTreeEntry? failure)
    {
        failure = null;
        try
        {
            var entries = new DirectoryInfo(folder.FullPath).EnumerateFileSystemInfos("*", OneFolder).ToList();
            entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return new Queue<FileSystemInfo>(entries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            failure = new LocalTreeEntry { Kind = LocalTreeEntryKind.Error, FullPath = folder.FullPath, RelativePath = folder.RelativePath, Error = ex };
            return new Queue<FileSystemInfo>();
        }
    }
}
