using MedallionFoundry.Backends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>A killed upload leaves its hidden .mftmp file on the server: listings never show it, and
/// the first upload of a later session into that folder deletes it once it is a day old.
/// The test server has no chroot, so the root's folder is the same path on this machine.</summary>
public sealed class SftpLeftoverTests
{
    [Fact]
    public async Task A_later_session_uploading_into_the_folder_removes_stale_leftovers_and_keeps_the_rest()
    {
        var root = SftpTestServer.NewRootFolder("leftovers");
        await using (var first = BronzeStoreFactory.Create(SftpTestServer.Config(root, SftpTestAuth.Password), "first"))
            await first.UploadAsync(new MemoryStream("one"u8.ToArray()), "data/first.bin");
        var folder = Path.Combine(root, "data");
        var stale = TempFileNames.Beside(Path.Combine(folder, "killed.bin"), TempFileNames.UploadSuffix);
        var live = TempFileNames.Beside(Path.Combine(folder, "running.bin"), TempFileNames.UploadSuffix);
        var lookalike = Path.Combine(folder, "notes.mftmp"); // a user's file, not one of ours
        foreach (var f in new[] { stale, live, lookalike }) File.WriteAllText(f, "x");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TempFileNames.StaleAge - TimeSpan.FromMinutes(5));
        File.SetLastWriteTimeUtc(lookalike, DateTime.UtcNow.AddDays(-30));

        await using var later = BronzeStoreFactory.Create(SftpTestServer.Config(root, SftpTestAuth.Password), "later");
        var listed = new List<string>();
        await foreach (var item in later.ListAsync("data/")) listed.Add(item.Path);
        await later.UploadAsync(new MemoryStream("two"u8.ToArray()), "data/second.bin");

        Assert.Equal(new[] { "data/first.bin", "data/notes.mftmp" }, listed);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(lookalike));
        Assert.True(File.Exists(Path.Combine(folder, "second.bin")));
    }
}
