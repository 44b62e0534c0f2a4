using System.Globalization;
using System.Text;

namespace MedallionFoundry.Sync;

/// <summary>
/// Shard <c>i</c> of <c>n</c>: a relative path belongs to it when the 32-bit FNV-1a hash of the
/// path's UTF-8 bytes ('/'-separated, as normalised for remote paths), taken modulo n, equals i.
/// The hash is fixed by this definition, so every OS, process and run agrees: n pipeline jobs each
/// take one shard and together cover every path exactly once, with no coordination.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    const uint FnvOffsetBasis = 2166136261;
    const uint FnvPrime = 16777619;

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

    /// <summary>The FNV-1a hash of the UTF-8 bytes of <paramref name="relativePath"/>.</summary>
    public static uint Hash(string relativePath)
    {
        var hash = FnvOffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(relativePath))
        {
            hash ^= b;
            hash *= FnvPrime;
        }
        return hash;
    }

    public bool Contains(string relativePath) => Hash(relativePath) % (uint)Count == (uint)Index;

    public override string ToString() => $"{Index}/{Count}";
}
