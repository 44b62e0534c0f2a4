using MedallionFoundry.Backends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>
/// Blob names no well-behaved writer makes, planted straight into Azurite through the SDK: the
/// listing still works, and downloading what it lists never writes outside the destination folder
/// (the same steps Get-BronzeFile takes: LocalDestination.Resolve, then DownloadFileAsync).
/// </summary>
public sealed class AzureHostileNameTests
{
    [Fact]
    public async Task Hostile_names_are_listed_and_refused_and_nothing_lands_outside_the_destination()
    {
        var container = AzuriteServer.NewContainer("hostile");
        var admin = AzuriteServer.AdminContainer(container);
        var prefix = TestData.UniqueName("p");
        // (Azurite cannot list names with control characters at all: its answer is not XML. Left out.)
        foreach (var name in new[] { "back\\..\\..\\x.csv", "C:/win.csv", "ok/good.csv" })
            await admin.GetBlobClient($"{prefix}/{name}").UploadAsync(BinaryData.FromString(name));
        await using var store = BronzeStoreFactory.Create(AzureTestConfig.Build(container, prefix, AzureTestAuth.ConnectionString), "test");
        var outside = TestData.TempFolder("hostile-azure");
        var destination = Path.Combine(outside, "dest");

        var (listed, downloaded, refused) = await DownloadAsGetBronzeFile.EverythingAsync(store, destination);

        Assert.Equal(new[] { "ok/good.csv" }, downloaded);
        Assert.Equal(listed.Count - 1, refused.Count);
        Assert.True(refused.Count >= 2, $"the server should keep some hostile names; listed: {string.Join(" | ", listed.Select(l => l.Path))}");
        Assert.Equal(new[] { Path.Combine(destination, "ok", "good.csv") }, Directory.GetFiles(outside, "*", SearchOption.AllDirectories));
    }
}
