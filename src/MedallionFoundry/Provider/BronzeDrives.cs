using System.Management.Automation;
using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>
/// The drives Connect-BronzeStorage makes and Disconnect-BronzeStorage removes: one per connection, named
/// after it ("lake:" for -Name lake), rooted at the connection's prefix. New-PSDrive -PSProvider Bronze
/// makes more (-Root "lake" or "lake:system=crm"); every Bronze drive of a connection goes when it closes.
/// </summary>
internal static class BronzeDrives
{
    public const string ProviderName = "Bronze";

    /// <summary>Makes (or remakes) the drive named after the connection, in the global scope. A name that is
    /// not a valid drive name, or that another provider's drive already uses, gets a warning instead.</summary>
    public static void Mount(PSCmdlet cmdlet, string connection)
    {
        var provider = cmdlet.SessionState.Provider.GetOne(ProviderName);
        if (!CanBeDriveName(connection))
        {
            cmdlet.WriteWarning($"The connection '{connection}' has no drive: a drive name cannot contain ':', '/', '\\', '.', '*' or '?'. Use New-PSDrive -PSProvider Bronze -Name <name> -Root '{connection}'.");
            return;
        }
        var existing = cmdlet.SessionState.Drive.GetAll().FirstOrDefault(d => string.Equals(d.Name, connection, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            if (existing.Provider.Name != ProviderName)
            {
                cmdlet.WriteWarning($"The connection '{connection}' has no drive: the drive '{existing.Name}:' belongs to the {existing.Provider.Name} provider. Use New-PSDrive -PSProvider Bronze -Name <name> -Root '{connection}'.");
                return;
            }
            RemoveDrive(cmdlet.SessionState, existing);
        }
        cmdlet.SessionState.Drive.New(new PSDriveInfo(connection, provider, connection, "", null), "Global");
        cmdlet.WriteVerbose($"Drive {connection}: maps the connection '{connection}'.");
    }

    /// <summary>Removes every Bronze drive of the connection, whatever its name or scope.</summary>
    public static void Unmount(PSCmdlet cmdlet, string connection)
    {
        foreach (var drive in cmdlet.SessionState.Drive.GetAllForProvider(ProviderName).OfType<BronzeDriveInfo>().ToList())
        {
            if (!string.Equals(drive.Connection, connection, StringComparison.OrdinalIgnoreCase)) continue;
            RemoveDrive(cmdlet.SessionState, drive);
            cmdlet.WriteVerbose($"Removed drive {drive.Name}:.");
        }
    }

    /// <summary>Drives for connections that already exist when the provider starts (a new runspace, a re-import).</summary>
    public static IEnumerable<PSDriveInfo> ForExistingConnections(ProviderInfo provider) =>
        BronzeConnections.Names.Where(CanBeDriveName).Select(name => new PSDriveInfo(name, provider, name, "", null));

    /// <summary>Parses a drive root: "lake", "lake:", "lake:system=crm", "lake:/system=crm/" or the provider form "lake/system=crm".</summary>
    public static BronzeLocation ParseRoot(string? root)
    {
        var text = (root ?? "").Trim();
        var cut = text.IndexOfAny([':', '/', '\\']);
        var connection = cut < 0 ? text : text[..cut];
        var rest = cut < 0 ? "" : text[(cut + 1)..];
        if (connection.Length == 0)
            throw new ArgumentException($"The root '{root}' names no connection. Use -Root <connection> or <connection>:<folder>, e.g. -Root 'lake:system=crm'.");
        var folder = RemotePath.NormalizePrefix(rest.Replace('\\', '/').TrimStart('/')).TrimEnd('/');
        return new BronzeLocation(connection, folder);
    }

    /// <summary>What Get-PSDrive shows: backend, location and folder, never a credential
    /// (Location comes from the backend, which promises it holds no secret).</summary>
    public static string Describe(BronzeConnection connection, BronzeLocation root) =>
        $"Bronze {connection.Store.BackendType} storage '{connection.Name}' at {connection.Store.Backend.Location}" +
        (root.IsRoot ? "" : $", folder {root.Remote}/");

    static bool CanBeDriveName(string name) => name.Length > 0 && name.IndexOfAny([':', '/', '\\', '.', '*', '?', '[', ']', '`']) < 0;

    static void RemoveDrive(SessionState sessionState, PSDriveInfo drive)
    {
        // Removed from whichever scope holds it (null scope: the nearest one that has it).
        try { sessionState.Drive.Remove(drive.Name, true, null); }
        catch (System.Management.Automation.DriveNotFoundException) { }
    }
}
