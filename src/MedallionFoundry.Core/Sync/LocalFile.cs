namespace MedallionFoundry.Sync;

/// <summary>One file of a local tree, with its path relative to the tree's root ('/'-separated).</summary>
public sealed record LocalFile(string RelativePath, string FullPath, long Size, DateTimeOffset LastWriteTime);

/// <summary>The files of a local folder, as sync and compare see them.</summary>
public static class LocalTree
{
    /// <summary>Every file under <paramref name="root"/> (recursively), in ordinal path order, without
    /// the module's own temporary files (a download's .mfpart, the local backend's .mftmp).
    /// The one seam to the shared local-tree enumerator.</summary>
    public static IEnumerable<LocalFile> Enumerate(string root)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        var files = new DirectoryInfo(full).EnumerateFiles("*", options)
            .Where(f => !IsTemporary(f.Name))
            .Select(f => new LocalFile(Path.GetRelativePath(full, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.FullName, f.Length,
                new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal);
        foreach (var file in files) yield return file;
    }

    /// <summary>The module's temporary files: a download in progress, a local-store write in progress.</summary>
    public static bool IsTemporary(string name) =>
        name.EndsWith(".mfpart", StringComparison.Ordinal) || name.EndsWith(".mftmp", StringComparison.Ordinal);
}
