using System.Management.Automation;
using MedallionFoundry.Storage;
using MedallionFoundry.Sync;

namespace MedallionFoundry.Commands;

/// <summary>
/// Compares a local folder with a remote folder by the rule Sync-BronzeFolder uses, changing nothing:
/// one object per path (Equal, Different, LocalOnly, RemoteOnly, Error), equal ones only with
/// -IncludeEqual; -Quiet answers $true only when every file is equal.
/// </summary>
[Cmdlet(VerbsData.Compare, "BronzeFolder")]
[OutputType(typeof(FolderComparison), typeof(bool))]
public sealed class CompareBronzeFolderCommand : BronzeFolderCmdlet
{
    /// <summary>Which side is the source for -Compare SizeAndTime ("the source is not newer"): Upload (local, default) or Download (remote).</summary>
    [Parameter]
    [ValidateSet("Upload", "Download")]
    public string Direction { get; set; } = "Upload";

    /// <summary>Also output the paths that are equal.</summary>
    [Parameter]
    public SwitchParameter IncludeEqual { get; set; }

    /// <summary>Output only $true (everything equal) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        var localRoot = ResolvedLocalPath;
        if (!Directory.Exists(localRoot) && Direction == "Upload")
        {
            WriteError(new ErrorRecord(new DirectoryNotFoundException($"The local folder '{localRoot}' does not exist."),
                "CompareBronzeFolderLocalFolderNotFound", ErrorCategory.ObjectNotFound, localRoot));
            return;
        }

        RemoteFolder remote;
        try { remote = new RemoteFolder(Store, RemotePath); }
        catch (InvalidRemotePathException ex) { WriteFileError(ex, RemotePath); return; }

        var hasher = new LocalHasher(HashCache.ForRoot(localRoot));
        IReadOnlyList<FolderComparison> results = [];
        try { results = CompareFolders(remote, localRoot, ParseEnum<SyncDirection>(Direction), FilterFor(null, remote), null, hasher); }
        catch (Exception ex) when (Unwrap(ex) is StorageException or IOException or UnauthorizedAccessException)
        {
            hasher.Cache?.Save();
            ThrowCompareFailure(ex);
            return;
        }
        hasher.Cache?.Save();

        foreach (var failed in results.Where(r => r.Status == CompareStatus.Error)) WriteError(CompareError(failed));
        if (Quiet)
        {
            WriteObject(results.All(r => r.Status == CompareStatus.Equal));
            return;
        }
        foreach (var result in results)
            if (IncludeEqual || result.Status != CompareStatus.Equal) WriteObject(result);
    }
}
