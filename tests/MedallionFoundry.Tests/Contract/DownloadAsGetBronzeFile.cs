using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Contract;

/// <summary>What Get-BronzeFile does with a listing piped into it, for tests at the engine level:
/// every listed file is mapped under the destination (or refused) and downloaded.</summary>
public static class DownloadAsGetBronzeFile
{
    public static async Task<(List<RemoteObject> Listed, List<string> Downloaded, List<string> Refused)> EverythingAsync(BronzeStore store, string destination)
    {
        var listed = new List<RemoteObject>();
        await foreach (var item in store.ListAsync("")) listed.Add(item);
        var downloaded = new List<string>();
        var refused = new List<string>();
        foreach (var item in listed)
        {
            try
            {
                await store.DownloadFileAsync(item.Path, LocalDestination.Resolve(destination, item.Path));
                downloaded.Add(item.Path);
            }
            catch (InvalidRemotePathException) { refused.Add(item.Path); }
        }
        return (listed, downloaded, refused);
    }
}
