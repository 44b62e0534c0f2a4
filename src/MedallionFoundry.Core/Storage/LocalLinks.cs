namespace MedallionFoundry.Storage;

/// <summary>
/// Symbolic links (and Windows junctions) on local paths: real paths, and whether a path stays inside a
/// folder once its links are followed. The local store, download destinations and upload trees all
/// decide with these, so "inside" means the same everywhere.
/// </summary>
public static class LocalLinks
{
    const int MaxLinkHops = 40; // as the Linux kernel's ELOOP limit

    static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Compares local paths as this system's file systems usually do (case-insensitive on Windows and macOS).</summary>
    public static StringComparer PathComparer { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The target a link at <paramref name="path"/> points to, as stored in the link; null when it is no link (or does not exist).
    /// On Unix one readlink(2), which fails on anything but a link (no lstat, no attributes): the walks below ask it of
    /// every folder on a path, for every file of a transfer.</summary>
    public static string? LinkTargetOf(string path)
    {
        if (!OperatingSystem.IsWindows()) return new FileInfo(path).LinkTarget;
        var info = new FileInfo(path);
        var attributes = info.Attributes;
        if ((int)attributes == -1 || (attributes & FileAttributes.ReparsePoint) == 0) return null;
        return (attributes & FileAttributes.Directory) != 0 ? new DirectoryInfo(path).LinkTarget : info.LinkTarget;
    }

    /// <summary>
    /// The real path of <paramref name="path"/>: every link on the way followed (as realpath(3)). The part
    /// that does not exist yet is appended as written. Throws <see cref="IOException"/> on a link loop.
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        var pending = new LinkedList<string>(Split(full[current.Length..]));
        var hops = 0;
        while (pending.First is { } first)
        {
            var name = first.Value;
            pending.RemoveFirst();
            if (name == ".") continue;
            if (name == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }

            var next = Path.Join(current, name);
            var target = LinkTargetOf(next);
            if (target is null)
            {
                current = next;
                if (!Path.Exists(next)) break; // nothing below a missing entry can be a link
                continue;
            }
            if (++hops > MaxLinkHops)
                throw new IOException($"Too many levels of symbolic links at '{next}'.");
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(Path.GetFullPath(target))!;
            var targetParts = Split(Path.IsPathRooted(target) ? Path.GetFullPath(target)[current.Length..] : target);
            for (var i = targetParts.Length - 1; i >= 0; i--) pending.AddFirst(targetParts[i]);
        }
        foreach (var rest in pending) current = Path.Join(current, rest);
        return Path.TrimEndingDirectorySeparator(current);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or below it (both real, full paths).</summary>
    public static bool IsInside(string folder, string path)
    {
        folder = Path.TrimEndingDirectorySeparator(folder);
        path = Path.TrimEndingDirectorySeparator(path);
        if (path.Equals(folder, PathComparison)) return true;
        var withSeparator = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(withSeparator, PathComparison);
    }

    /// <summary>
    /// <paramref name="relativePath"/> (a path below <paramref name="root"/>, '/'- or system-separated)
    /// with every link on the way resolved, provided none of them (the last entry included) leads out of
    /// <paramref name="root"/>'s real path. A link that stays inside is allowed. The last entry is kept as
    /// a name (a link there is not replaced by its target), so deleting or renaming onto it acts on the
    /// entry itself. Returns false, with the offending link and its real target, when a link leaves.
    /// </summary>
    public static bool TryResolveInside(string root, string relativePath, out string resolved, out string? escapingLink, out string? escapingTarget) =>
        TryResolveInside(root, RealPath(root), relativePath, out resolved, out escapingLink, out escapingTarget);

    /// <summary>As <see cref="TryResolveInside(string, string, out string, out string?, out string?)"/>, with the root's real path
    /// (<see cref="RealPath"/>) computed once by the caller: the part of the walk that is the same for every file of a transfer.</summary>
    public static bool TryResolveInside(string root, string realRoot, string relativePath, out string resolved, out string? escapingLink, out string? escapingTarget)
    {
        var names = Split(relativePath);
        var current = realRoot;
        escapingLink = escapingTarget = null;
        for (var i = 0; i < names.Length; i++)
        {
            var next = Path.Join(current, names[i]);
            if (LinkTargetOf(next) is null)
            {
                current = next;
                // On Unix the readlink of an entry below a missing one fails too: the walk just goes on (one syscall a
                // name), with the same result as the rest appended as written. Elsewhere a missing entry ends it.
                if (OperatingSystem.IsWindows() && !Path.Exists(next))
                {
                    foreach (var rest in names[(i + 1)..]) current = Path.Join(current, rest);
                    break;
                }
                continue;
            }
            var real = RealPath(next);
            if (!IsInside(realRoot, real))
            {
                escapingLink = Path.Join(root, Path.Join(names[..(i + 1)]));
                escapingTarget = real;
                resolved = "";
                return false;
            }
            current = i == names.Length - 1 ? next : real;
        }
        resolved = current;
        return true;
    }

    static string[] Split(string path) =>
        path.Split(['/', Path.DirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
