using System.Text.RegularExpressions;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Sync;

/// <summary>
/// What a listed object says about its content, without another request:
/// its Content-MD5 (Azure, custom backends that fill it in), an ETag of 32 hex digits (S3 single-part
/// uploads: the MD5 of the bytes), or an S3 multipart ETag ("hex-N": the MD5 of the N part MD5s,
/// which depends on the part size the writer chose). A 32-hex ETag that is not an MD5 (SSE-KMS)
/// can only make a file look different, never equal.
/// </summary>
public static partial class RemoteHash
{
    [GeneratedRegex("^[0-9a-fA-F]{32}$")]
    private static partial Regex SinglePartETag();

    [GeneratedRegex("^[0-9a-fA-F]{32}-([0-9]{1,5})$")]
    private static partial Regex MultipartETag();

    /// <summary>The base64 MD5 of the content, when the listing gives it.</summary>
    public static string? Md5Of(RemoteObject remote)
    {
        if (!string.IsNullOrEmpty(remote.ContentMD5)) return remote.ContentMD5;
        return remote.ETag is { } etag && SinglePartETag().IsMatch(etag) ? Convert.ToBase64String(Convert.FromHexString(etag)) : null;
    }

    /// <summary>The part count of an S3 multipart ETag, or null when the ETag is not one.</summary>
    public static int? MultipartPartsOf(RemoteObject remote)
    {
        var match = remote.ETag is { } etag ? MultipartETag().Match(etag) : null;
        return match is { Success: true } && int.TryParse(match.Groups[1].Value, out var parts) && parts > 0 ? parts : null;
    }

    /// <summary>Part sizes to try for a multipart ETag of <paramref name="parts"/> parts over
    /// <paramref name="size"/> bytes: the given candidates (and each grown as writers grow them to
    /// stay under 10,000 parts) that give exactly that many parts.</summary>
    public static IEnumerable<long> PartSizesFor(long size, int parts, IEnumerable<long> candidates) =>
        candidates.Where(p => p > 0)
            .Select(p => Math.Max(p, (size + 9_999) / 10_000))
            .Distinct()
            .Where(p => (size + p - 1) / p == parts);
}
