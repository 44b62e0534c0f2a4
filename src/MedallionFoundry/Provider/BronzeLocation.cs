using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>
/// Where a provider path points. A Bronze provider path is "&lt;connection&gt;:/&lt;remote path&gt;" (with the
/// platform's separator): the first segment names the connection, the rest is the remote path relative to the
/// connection's prefix, checked by the same <see cref="RemotePath"/> rules as the cmdlets ('..', empty
/// segments and control characters are refused). A drive's root is such a path too ("lake:", "lake:/system=crm").
/// </summary>
internal readonly record struct BronzeLocation(string Connection, string Remote)
{
    /// <summary>The connection's root (its configured prefix).</summary>
    public bool IsRoot => Remote.Length == 0;

    /// <summary>The listing prefix of this location as a folder: "" at the root, else "a/b/".</summary>
    public string FolderPrefix => IsRoot ? "" : Remote + "/";

    /// <summary>The last segment ("" at the root).</summary>
    public string Name => Remote[(Remote.LastIndexOf('/') + 1)..];

    public BronzeLocation Child(string name) => new(Connection, IsRoot ? name : Remote + "/" + name);

    public BronzeLocation Parent => new(Connection, Remote.LastIndexOf('/') is var slash and >= 0 ? Remote[..slash] : "");

    /// <summary>The provider path PowerShell shows in PSPath: "lake:/a/b" ("lake:\a\b" on Windows). It reads as the
    /// path on the connection's own drive, which matters twice: PowerShell strips a drive's root from the front of
    /// drive-relative paths by plain string comparison (a root of "lake" would eat the start of a folder named
    /// "lakehouse"; no remote path starts with "lake:"), and it turns the provider path of a file that does not
    /// exist yet (Set-Content to a new file) back into a drive path as it stands.</summary>
    public string ProviderPath => Connection + ":" + (IsRoot ? "" : Separator + Remote.Replace('/', Separator));

    /// <summary>Connection and remote path for messages ("'a/b' on connection 'lake'").</summary>
    public string Describe() => IsRoot ? $"the root of connection '{Connection}'" : $"'{Remote}' on connection '{Connection}'";

    public override string ToString() => ProviderPath;

    public static char Separator => System.IO.Path.DirectorySeparatorChar;

    /// <summary>Parses a provider path; throws <see cref="InvalidRemotePathException"/> when the remote part breaks the path rules.</summary>
    public static BronzeLocation Parse(string? providerPath)
    {
        // "lake:/a/b"; while globbing PowerShell also asks about drive-relative paths ("a/b*"), whose
        // first segment then stands where the connection would (and names none).
        var path = (providerPath ?? "").Replace('\\', '/').TrimStart('/');
        var colon = path.IndexOf(':');
        var slash = path.IndexOf('/');
        var cut = colon >= 0 && (slash < 0 || colon < slash) ? colon : slash;
        var connection = cut < 0 ? path : path[..cut];
        var remote = cut < 0 ? "" : path[(cut + 1)..].Trim('/');
        if (remote.Length > 0) remote = RemotePath.NormalizeFile(remote);
        return new BronzeLocation(connection, remote);
    }

    /// <summary>The location of a listed object or folder, or null when its path breaks the rules
    /// (a hostile key such as "a\..\b" planted in the store is never addressed through the drive).</summary>
    public static BronzeLocation? Of(string connection, RemoteObject item)
    {
        var remote = item.Path.TrimEnd('/');
        try
        {
            if (remote.Length == 0 || RemotePath.NormalizeFile(remote) != remote) return null;
        }
        catch (InvalidRemotePathException)
        {
            return null;
        }
        return new BronzeLocation(connection, remote);
    }
}
