using MedallionFoundry.Backends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>
/// The server follows symbolic links when it resolves a path (SFTP realpath, which SSH.NET applies to
/// every path). A link under the root that points outside it (or at another file) must never let a
/// read, write or delete through: such paths are refused, and listings skip links.
/// The test server has no chroot, so the root's folder is the same path on this machine.
/// </summary>
public sealed class SftpPathSafetyTests
{
    sealed record Layout(BronzeStore Store, string Root, string Outside);

    static Layout Create()
    {
        var root = SftpTestServer.NewRootFolder("links");
        var outside = SftpTestServer.NewRootFolder("outside");
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "outside the root");
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllText(Path.Combine(root, "data", "real.csv"), "inside");
        File.CreateSymbolicLink(Path.Combine(root, "data", "escape"), outside);             // a folder link
        File.CreateSymbolicLink(Path.Combine(root, "data", "secret.csv"), Path.Combine(outside, "secret.txt")); // a file link
        File.CreateSymbolicLink(Path.Combine(root, "data", "alias.csv"), Path.Combine(root, "data", "real.csv"));  // a link inside
        return new Layout(BronzeStoreFactory.Create(SftpTestServer.Config(root, SftpTestAuth.Password), "test"), root, outside);
    }

    [Theory]
    [InlineData("data/escape/secret.txt")]
    [InlineData("data/secret.csv")]
    [InlineData("data/alias.csv")]
    public async Task Reads_writes_and_deletes_through_a_link_are_refused(string path)
    {
        var (store, root, outside) = Create();
        await using var _ = store;

        var read = await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.DownloadAsync(path, new MemoryStream()));
        await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.UploadAsync(new MemoryStream("overwritten"u8.ToArray()), path));
        await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.DeleteAsync(path));
        await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.StatAsync(path));

        Assert.Contains("symbolic link", read.Message);
        Assert.Equal("outside the root", File.ReadAllText(Path.Combine(outside, "secret.txt")));
        Assert.Equal("inside", File.ReadAllText(Path.Combine(root, "data", "real.csv")));
    }

    [Fact]
    public async Task A_new_file_under_a_linked_folder_is_refused_and_nothing_lands_outside()
    {
        var (store, _, outside) = Create();
        await using var _s = store;

        await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.UploadAsync(new MemoryStream("x"u8.ToArray()), "data/escape/new/planted.txt"));
        await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.UploadAsync(new MemoryStream("x"u8.ToArray()), "data/escape/planted.txt"));

        Assert.Equal(new[] { "secret.txt" }, Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Listings_skip_links_and_never_descend_through_them()
    {
        var (store, _, _) = Create();
        await using var _s = store;

        var recursive = new List<string>();
        await foreach (var item in store.ListAsync("")) recursive.Add(item.Path);
        var oneLevel = new List<string>();
        await foreach (var item in store.ListAsync("data/", new ListOptions { Recursive = false })) oneLevel.Add(item.Path);

        Assert.Equal(new[] { "data/real.csv" }, recursive);
        Assert.Equal(new[] { "data/real.csv" }, oneLevel);
        await Assert.ThrowsAsync<InvalidRemotePathException>(async () => { await foreach (var _ in store.ListAsync("data/escape/")) { } });
    }

    [Fact]
    public async Task Deleting_the_last_file_removes_empty_folders_up_to_but_not_including_the_root()
    {
        var root = SftpTestServer.NewRootFolder("prune");
        await using var store = BronzeStoreFactory.Create(SftpTestServer.Config(root, SftpTestAuth.Password, prefix: "bronze"), "test");
        await store.UploadAsync(new MemoryStream("1"u8.ToArray()), "a/b/c/one.csv");
        await store.UploadAsync(new MemoryStream("2"u8.ToArray()), "a/two.csv");

        await store.DeleteAsync("a/b/c/one.csv");
        Assert.Equal(new[] { "two.csv" }, Directory.GetFileSystemEntries(Path.Combine(root, "bronze", "a")).Select(Path.GetFileName));

        await store.DeleteAsync("a/two.csv");
        Assert.True(Directory.Exists(root));
        Assert.Empty(Directory.GetFileSystemEntries(root));

        // The folder cache must not believe in the removed folders: uploading again recreates them.
        await store.UploadAsync(new MemoryStream("3"u8.ToArray()), "a/b/c/three.csv");
        Assert.True(File.Exists(Path.Combine(root, "bronze", "a", "b", "c", "three.csv")));
    }

    [Fact]
    public async Task A_missing_root_folder_is_named()
    {
        var missing = SftpTestServer.Root + "/no-such-folder-" + Guid.NewGuid().ToString("N")[..8];
        await using var store = BronzeStoreFactory.Create(SftpTestServer.Config(missing, SftpTestAuth.Password), "test");

        var error = await Assert.ThrowsAsync<StorageContainerNotFoundException>(() => store.StatAsync("x.csv"));

        Assert.Contains(missing, error.Message);
        Assert.Contains("sftp_path", error.Message);
    }
}
