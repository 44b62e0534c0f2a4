namespace MedallionFoundry.Storage;

/// <summary>
/// How a large file is cut for a parallel transfer: the ranges of a download, and by default the parts
/// (S3) or blocks (Azure) of an upload. About two parts per request in flight, so the last wave is not
/// one lone part; never below the configured size; at most <see cref="Max"/> unless that is larger.
/// Fewer, larger parts cost less: every request has a fixed price in client CPU, server work and, in
/// a session, code the runtime recompiles once a request path has run some 30 times (measured: a
/// 512 MiB S3 upload in 32 parts of 16 MiB peaked ~25 MiB higher than in 8 parts of 64 MiB).
/// Memory does not grow with the part: parts are read from and written to the file in place.
/// </summary>
public static class PartSizes
{
    /// <summary>The largest part this rule picks by itself (a transient failure resends at most this much per part).</summary>
    public const long Max = 256L << 20;

    /// <summary>The part size for <paramref name="size"/> bytes sent <paramref name="concurrency"/> at once.</summary>
    public static long For(long size, long minimum, int concurrency)
    {
        var parts = 2L * Math.Max(1, concurrency);
        return Math.Max(minimum, Math.Min(Max, (size + parts - 1) / parts));
    }

    /// <summary>The part size of an upload: <paramref name="configured"/> as it is when the user set it
    /// (<paramref name="growWithFile"/> false), else <see cref="For"/>; either way grown to stay within
    /// the store's <paramref name="maxParts"/>.</summary>
    public static long ForUpload(long size, long configured, bool growWithFile, int concurrency, int maxParts)
    {
        var chosen = growWithFile ? For(size, configured, concurrency) : configured;
        return Math.Max(chosen, (size + maxParts - 1) / maxParts);
    }
}
