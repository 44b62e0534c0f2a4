namespace MedallionFoundry.Storage;

/// <summary>Maps remote paths to local files without ever leaving the destination folder.</summary>
public static class LocalDestination
{
    // Names invalid on the local OS only: ':' is a fine file name character on Linux.
    static readonly char[] InvalidNameChars = Path.GetInvalidFileNameChars();

    /// <summary>
    /// The full local path for <paramref name="relativePath"/> under <paramref name="folder"/>.
    /// Throws <see cref="InvalidRemotePathException"/> when the remote name cannot be a local file
    /// name or would land outside the folder.
    /// </summary>
    public static string Resolve(string folder, string relativePath) => Resolve(folder, relativePath, realFolder: null);

    /// <summary>As <see cref="Resolve(string, string)"/>, with <paramref name="folder"/>'s real path
    /// (<see cref="LocalLinks.RealPath"/>) computed once per transfer by the caller instead of once per file.</summary>
    public static string Resolve(string folder, string relativePath, string? realFolder)
    {
        var normalized = RemotePath.NormalizeFile(relativePath);
        foreach (var segment in normalized.Split('/'))
        {
            var badOnWindows = OperatingSystem.IsWindows() && (segment.EndsWith(' ') || segment.EndsWith('.'));
            if (segment.IndexOfAny(InvalidNameChars) >= 0 || badOnWindows)
                throw new InvalidRemotePathException(
                    $"The remote path '{relativePath}' cannot be saved locally: '{segment}' is not a valid file name on this system.", relativePath);
        }

        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, normalized.Replace('/', Path.DirectorySeparatorChar)));
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSeparator, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            throw new InvalidRemotePathException(
                $"The remote path '{relativePath}' would be written outside the destination folder '{root}'.", relativePath);
        // A link inside the destination (dest/evil -> /elsewhere) must not carry the write out of it.
        if (!LocalLinks.TryResolveInside(root, realFolder ?? LocalLinks.RealPath(root), normalized, out _, out var link, out var target))
            throw new InvalidRemotePathException(
                $"The remote path '{relativePath}' would be written through the link '{link}' to '{target}', outside the destination folder '{root}'.", relativePath);
        return full;
    }
}
