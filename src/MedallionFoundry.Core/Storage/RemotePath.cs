namespace MedallionFoundry.Storage;

/// <summary>
/// The remote path rules, shared by every backend: relative, '/'-separated, no '..', '.' or empty
/// segments, no absolute paths, no control characters. Backslashes from Windows callers become '/'.
/// </summary>
public static class RemotePath
{
    /// <summary>Normalises the path of one file ("system=api/table=users/part-1.csv").</summary>
    public static string NormalizeFile(string? path)
    {
        var normalized = NormalizeCore(path, allowEmpty: false);
        if (normalized.EndsWith('/'))
            throw Invalid(path, "it ends with '/', which names a folder, not a file");
        return normalized;
    }

    /// <summary>Normalises a listing or destination prefix. "" means everything; a trailing '/' is kept,
    /// so "dt=2025-01-1/" does not match "dt=2025-01-10/".</summary>
    public static string NormalizePrefix(string? prefix) => NormalizeCore(prefix, allowEmpty: true);

    /// <summary>Joins a configured key prefix ("bronze", may be empty) and a normalised relative path.</summary>
    public static string ToKey(string keyPrefix, string relativePath) =>
        keyPrefix.Length == 0 ? relativePath : keyPrefix + "/" + relativePath;

    /// <summary>The path of <paramref name="key"/> relative to the configured prefix.</summary>
    public static string ToRelative(string keyPrefix, string key)
    {
        if (keyPrefix.Length == 0) return key;
        var start = keyPrefix + "/";
        return key.StartsWith(start, StringComparison.Ordinal) ? key[start.Length..] : key;
    }

    /// <summary>Cleans a configured prefix ("/bronze/" becomes "bronze"), validated like a path.</summary>
    public static string NormalizeConfiguredPrefix(string? prefix)
    {
        var trimmed = (prefix ?? "").Replace('\\', '/').Trim('/');
        return trimmed.Length == 0 ? "" : NormalizeCore(trimmed, allowEmpty: false);
    }

    static string NormalizeCore(string? path, bool allowEmpty)
    {
        if (string.IsNullOrEmpty(path))
        {
            if (allowEmpty) return "";
            throw Invalid(path, "it is empty");
        }

        var p = path.Replace('\\', '/');
        if (p.StartsWith('/') || (p.Length >= 2 && p[1] == ':' && char.IsAsciiLetter(p[0])))
            throw Invalid(path, "it is absolute; remote paths are relative to the configured prefix");

        foreach (var c in p)
        {
            if (char.IsControl(c))
                throw Invalid(path, "it contains a control character");
        }

        var segments = p.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var isTrailing = i == segments.Length - 1;
            if (segment.Length == 0 && !isTrailing)
                throw Invalid(path, "it contains an empty segment ('//')");
            if (segment is "." or "..")
                throw Invalid(path, $"it contains a '{segment}' segment");
        }
        return p;
    }

    static InvalidRemotePathException Invalid(string? path, string why) =>
        new($"The remote path '{path}' is not valid: {why}.", path);
}
