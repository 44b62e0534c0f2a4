using System.Management.Automation;

namespace MedallionFoundry.Provider;

/// <summary>A drive over one connection, rooted at the connection's prefix or a folder below it.</summary>
internal sealed class BronzeDriveInfo : PSDriveInfo
{
    public BronzeDriveInfo(PSDriveInfo drive, BronzeLocation root, string description)
        : base(drive.Name, drive.Provider, root.ProviderPath, description, drive.Credential)
    {
        Location = root;
    }

    /// <summary>The connection and folder the drive's root stands for.</summary>
    public BronzeLocation Location { get; }

    public string Connection => Location.Connection;
}
