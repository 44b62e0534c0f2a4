using MedallionFoundry.Storage;

namespace MedallionFoundry.Sync;

/// <summary>One file of a local tree, with its path relative to the tree's root ('/'-separated).</summary>
public sealed record LocalFile(string RelativePath, string FullPath, long Size, DateTimeOffset LastWriteTime);

/// <summary>A local folder as sync and compare see it: its files, and the entries the walk did not
/// follow (links, by the upload rule) or could not read. Remote files at or under those entries are
/// left alone, so an unreadable folder never makes its remote copy look extraneous.</summary>
public sealed record LocalTree(IReadOnlyList<LocalFile> Files, IReadOnlyList<LocalTreeEntry> Skipped, IReadOnlyList<LocalTreeEntry> Errors)
{
    /// <summary>Walks <paramref name="root"/> with the shared <see cref="LocalFileTree"/> (its link
    /// policy, loop detection and temp-file exclusion). A missing root is an empty tree.</summary>
    public static LocalTree Scan(string root)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) return new LocalTree([], [], []);
        var files = new List<LocalFile>();
        var skipped = new List<LocalTreeEntry>();
        var errors = new List<LocalTreeEntry>();
        foreach (var entry in LocalFileTree.Enumerate(full))
        {
            switch (entry.Kind)
            {
                case LocalTreeEntryKind.File:
                    files.Add(new LocalFile(entry.RelativePath, entry.FullPath, entry.Length, new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero)));
                    break;
                case LocalTreeEntryKind.Skipped: skipped.Add(entry); break;
                default: errors.Add(entry); break;
            }
        }
        return new LocalTree(files, skipped, errors);
    }

    /// <summary>True when <paramref name="relativePath"/> is at or under an entry the walk skipped or could not read.</summary>
    public bool IsUnseen(string relativePath) => Skipped.Concat(Errors).Any(e =>
        e.RelativePath.Length == 0 || relativePath == e.RelativePath || relativePath.StartsWith(e.RelativePath + "/", StringComparison.Ordinal));
}
