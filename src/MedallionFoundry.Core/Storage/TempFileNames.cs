using System.Text;
using System.Text.RegularExpressions;

namespace MedallionFoundry.Storage;

/// <summary>
/// The one rule for the module's own temporary files: a download in progress is
/// <c>.&lt;name&gt;.&lt;id&gt;.mfpart</c> beside its target, an upload into the local store is
/// <c>.&lt;name&gt;.&lt;id&gt;.mftmp</c>. They are never uploaded, synced or listed as data, and ones
/// older than <see cref="StaleAge"/> are leftovers of killed runs that may be deleted.
/// </summary>
public static partial class TempFileNames
{
    /// <summary>Suffix of a download in progress.</summary>
    public const string DownloadSuffix = ".mfpart";

    /// <summary>Suffix of an upload in progress in the local store.</summary>
    public const string UploadSuffix = ".mftmp";

    /// <summary>A temp file untouched this long belongs to a killed run (no live transfer leaves its file unwritten for a day).</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromHours(24);

    /// <summary>The longest file name (in UTF-8 bytes) the common file systems allow: ext4, XFS, APFS, NTFS (in UTF-16 units).</summary>
    public const int MaxNameBytes = 255;

    const int IdLength = 12; // hex digits: 48 random bits, unique among the writers of one folder

    // ".", the id, "." and the longest suffix around the kept part of the name.
    static readonly int Overhead = 1 + 1 + IdLength + Math.Max(DownloadSuffix.Length, UploadSuffix.Length);

    /// <summary>Also matches the older, longer forms (<c>.name.&lt;32 hex&gt;.mfpart</c>, <c>name.&lt;32 hex&gt;.mftmp</c>), so their leftovers are recognised too.</summary>
    [GeneratedRegex(@"\.[0-9a-f]{12,32}\.(mfpart|mftmp)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TempNamePattern();

    /// <summary>A new temporary path beside <paramref name="targetPath"/>, whose name fits whenever the target's does.</summary>
    public static string Beside(string targetPath, string suffix)
    {
        var folder = Path.GetDirectoryName(targetPath)!;
        var name = Path.GetFileName(targetPath);
        var id = Guid.NewGuid().ToString("N")[..IdLength];
        return Path.Combine(folder, $".{Truncate(name, MaxNameBytes - Overhead)}.{id}{suffix}");
    }

    /// <summary>True when <paramref name="fileName"/> (a name, not a path) is one of the module's temporary files.</summary>
    public static bool IsTempName(string fileName) => TempNamePattern().IsMatch(fileName);

    /// <summary>True when the file at <paramref name="fullPath"/> is a temporary file of a run that is no longer alive.</summary>
    public static bool IsStale(string fullPath, DateTime nowUtc) =>
        IsTempName(Path.GetFileName(fullPath)) && nowUtc - File.GetLastWriteTimeUtc(fullPath) > StaleAge;

    /// <summary>Deletes the stale temporary files directly in <paramref name="folder"/>; best effort, never throws.</summary>
    public static int CleanStale(string folder)
    {
        var deleted = 0;
        var now = DateTime.UtcNow;
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.mf*"))
            {
                try
                {
                    if (!IsStale(file, now) || new FileInfo(file).LinkTarget is not null) continue;
                    File.Delete(file);
                    deleted++;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return deleted;
    }

    /// <summary>The longest start of <paramref name="name"/> that fits in <paramref name="maxBytes"/> UTF-8 bytes, cut between characters.</summary>
    static string Truncate(string name, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(name) <= maxBytes) return name;
        var kept = new StringBuilder();
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > maxBytes) break;
            kept.Append(rune.ToString());
        }
        return kept.ToString();
    }
}
