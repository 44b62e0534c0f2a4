using MedallionFoundry.Backends.Local;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Local;

/// <summary>The local store's own leftovers: a killed upload's hidden .mftmp file is never data and goes after a day.</summary>
public sealed class LocalLeftoverTests
{
    [Fact]
    public async Task An_upload_cleans_stale_upload_leftovers_from_its_store_folder_and_never_lists_them()
    {
        var root = TestData.TempFolder("local-leftovers");
        var folder = Path.Combine(root, "t=x");
        Directory.CreateDirectory(folder);
        var stale = TempFileNames.Beside(Path.Combine(folder, "big.bin"), TempFileNames.UploadSuffix);
        var live = TempFileNames.Beside(Path.Combine(folder, "other.bin"), TempFileNames.UploadSuffix);
        File.WriteAllBytes(stale, new byte[1000]);
        File.WriteAllBytes(live, new byte[10]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TempFileNames.StaleAge - TimeSpan.FromMinutes(5));
        await using var store = new BronzeStore(new LocalBackend(root), "test");

        var before = new List<string>();
        await foreach (var item in store.ListAsync("")) before.Add(item.Path);
        using (var data = new MemoryStream(new byte[] { 1, 2, 3 }))
            await store.UploadAsync(data, "t=x/new.bin");

        Assert.Empty(before);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.Equal(new[] { "new.bin", Path.GetFileName(live) }.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
