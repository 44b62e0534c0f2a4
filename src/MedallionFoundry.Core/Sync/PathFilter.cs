using System.IO.Enumeration;

namespace MedallionFoundry.Sync;

/// <summary>
/// Which relative paths ('/'-separated) a sync or compare looks at: -Include and -Exclude wildcard
/// patterns (<c>*</c> any characters, '/' included; <c>?</c> one character; case-insensitive, as
/// PowerShell wildcards are) and an optional shard, taken of the file's remote path (relative to the
/// configured prefix: <paramref name="remoteFolder"/> + the relative path), so Sync-BronzeFolder,
/// Send-BronzeFile and Get-BronzeFile put one file in the same shard. A path outside the filter is
/// ignored on both sides: never transferred, never deleted.
/// </summary>
public sealed class PathFilter(IEnumerable<string>? include = null, IEnumerable<string>? exclude = null, Shard? shard = null, string remoteFolder = "")
{
    readonly string[] _include = Normalize(include);
    readonly string[] _exclude = Normalize(exclude);

    public static PathFilter All { get; } = new();

    public Shard? Shard { get; } = shard;

    public bool Includes(string relativePath)
    {
        if (_include.Length > 0 && !_include.Any(p => Matches(p, relativePath))) return false;
        if (_exclude.Any(p => Matches(p, relativePath))) return false;
        return Shard is null || Shard.Contains(remoteFolder + relativePath);
    }

    static bool Matches(string pattern, string path) => FileSystemName.MatchesSimpleExpression(pattern, path, ignoreCase: true);

    static string[] Normalize(IEnumerable<string>? patterns) =>
        (patterns ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Replace('\\', '/').TrimStart('/')).ToArray();
}
