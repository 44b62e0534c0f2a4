using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace MedallionFoundry.Sync;

/// <summary>
/// Shard <c>i</c> of <c>n</c>: a path belongs to it when XxHash32 (seed 0) of the path's UTF-8 bytes
/// ('/'-separated remote path, as normalised), taken modulo n, equals i. (FNV-1a was tried first: its
/// low bits spread partition names unevenly, 602 of 2,000 paths in one of four shards.)
/// The hash is fixed by this definition, so every OS, process and run agrees: n pipeline jobs each
/// take one shard and together cover every path exactly once, with no coordination.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>Parses "i/n" (0 &lt;= i &lt; n). Throws <see cref="FormatException"/> with a clear message.</summary>
    public static Shard Parse(string text)
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1 || index >= count)
            throw new FormatException($"'{text}' is not a shard: write i/n with 0 <= i < n, e.g. 0/4 for the first of four.");
        return new Shard(index, count);
    }

    /// <summary>XxHash32 (seed 0) of the UTF-8 bytes of <paramref name="path"/>.</summary>
    public static uint Hash(string path) => XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(path));

    public bool Contains(string relativePath) => Hash(relativePath) % (uint)Count == (uint)Index;

    public override string ToString() => $"{Index}/{Count}";
}
