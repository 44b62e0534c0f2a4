using MedallionFoundry.Storage;
using MedallionFoundry.Sync;
using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Custom;
using MedallionFoundry.Tests.Local;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Sync;

/// <summary>
/// The decision rule of Sync-/Compare-BronzeFolder, written once and run against every backend
/// (local disk, the S3 server, Azurite, a compiled custom backend whose listing has no hashes).
/// Each test uploads through the store, then compares a local folder with what the store lists.
/// </summary>
public abstract class FolderComparerContractTests
{
    protected abstract IBackendFixture Fixture { get; }

    /// <summary>True when the backend's listing carries an MD5 for what we upload (no fallback needed).</summary>
    protected abstract bool ListingHasMd5 { get; }

    int _fallbacks;

    FolderComparer Comparer(RemoteFolder remote, LocalHasher hasher, CompareMode mode = CompareMode.Hash, PathFilter? filter = null) => new()
    {
        Mode = mode,
        Hasher = hasher,
        Filter = filter ?? PathFilter.All,
        RemoteMd5 = (item, ct) => { Interlocked.Increment(ref _fallbacks); return remote.Md5ByReadingAsync(item, hasher, ct); },
        PartSizes = remote.PartSizesFor,
    };

    static string NewTree(params (string Path, int Size, int Seed)[] files)
    {
        var root = TestData.TempFolder("sync-tree");
        foreach (var (path, size, seed) in files) Write(root, path, size, seed);
        return root;
    }

    static void Write(string root, string path, int size, int seed)
    {
        var full = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, TestData.Bytes(size, seed));
        File.SetLastWriteTimeUtc(full, DateTime.UtcNow.AddHours(-1)); // written before the upload, as extracts are
    }

    static async Task UploadTree(BronzeStore store, string root, string remoteFolder)
    {
        foreach (var file in LocalTree.Scan(root).Files)
            await store.UploadFileAsync(file.FullPath, remoteFolder + file.RelativePath);
    }

    static Dictionary<string, CompareStatus> Statuses(IEnumerable<FolderComparison> results) => results.ToDictionary(r => r.Path, r => r.Status);

    [Fact]
    public async Task New_files_are_local_only_and_after_an_upload_every_file_is_equal()
    {
        await using var store = await Fixture.CreateStoreAsync();
        var root = NewTree(("a.bin", 1000, 1), ("dir/b.bin", 0, 2), ("dir/deep/c.bin", 70_000, 3));
        var remote = new RemoteFolder(store, "land/");
        var hasher = new LocalHasher();

        var before = await Comparer(remote, hasher).CompareAsync(LocalTree.Scan(root), remote.ListAsync());
        Assert.All(before, r => Assert.Equal(CompareStatus.LocalOnly, r.Status));
        Assert.Equal(3, before.Count);

        await UploadTree(store, root, "land/");
        var after = await Comparer(remote, hasher).CompareAsync(LocalTree.Scan(root), remote.ListAsync());
        Assert.Equal(new[] { "a.bin", "dir/b.bin", "dir/deep/c.bin" }, after.Select(r => r.Path));
        Assert.All(after, r => Assert.Equal(CompareStatus.Equal, r.Status));
        // The listing alone decides where it carries MD5s; elsewhere the fallback is used and says so.
        Assert.Equal(ListingHasMd5 ? 0 : 3, _fallbacks);
        Assert.All(after, r => Assert.Equal(ListingHasMd5, r.Note is null));
    }

    [Fact]
    public async Task A_same_size_edit_with_its_time_set_back_is_different_by_hash_and_missed_by_size_and_time()
    {
        await using var store = await Fixture.CreateStoreAsync();
        var root = NewTree(("x.csv", 4096, 1), ("y.csv", 10, 2));
        var remote = new RemoteFolder(store, "t");
        await UploadTree(store, root, "t/");

        var path = Path.Combine(root, "x.csv");
        var time = File.GetLastWriteTimeUtc(path);
        await using (var edit = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            edit.Position = 100;
            edit.Write("EDITED"u8);
        }
        File.SetLastWriteTimeUtc(path, time);

        var hasher = new LocalHasher();
        var byHash = Statuses(await Comparer(remote, hasher).CompareAsync(LocalTree.Scan(root), remote.ListAsync()));
        Assert.Equal(CompareStatus.Different, byHash["x.csv"]);
        Assert.Equal(CompareStatus.Equal, byHash["y.csv"]);

        var bySizeAndTime = Statuses(await Comparer(remote, hasher, CompareMode.SizeAndTime).CompareAsync(LocalTree.Scan(root), remote.ListAsync()));
        Assert.Equal(CompareStatus.Equal, bySizeAndTime["x.csv"]); // the documented miss of size+time (as aws s3 sync)
    }

    [Fact]
    public async Task Different_sizes_are_different_without_hashing()
    {
        await using var store = await Fixture.CreateStoreAsync();
        var root = NewTree(("f.bin", 100, 1));
        var remote = new RemoteFolder(store, "s/");
        await UploadTree(store, root, "s/");
        Write(root, "f.bin", 101, 1);

        var hasher = new LocalHasher();
        var result = Assert.Single(await Comparer(remote, hasher).CompareAsync(LocalTree.Scan(root), remote.ListAsync()));
        Assert.Equal(CompareStatus.Different, result.Status);
        Assert.Equal("size differs", result.Reason);
        Assert.Equal(0, hasher.FilesRead);
        Assert.Equal(0, _fallbacks);
    }

    [Fact]
    public async Task A_folder_never_reaches_its_sibling_with_a_longer_name()
    {
        await using var store = await Fixture.CreateStoreAsync();
        var root = NewTree(("part.csv", 10, 1));
        await UploadTree(store, root, "dt=2025-01-1/");
        await UploadTree(store, NewTree(("other.csv", 10, 2)), "dt=2025-01-10/");

        var remote = new RemoteFolder(store, "dt=2025-01-1"); // no trailing slash: still the folder
        var results = await Comparer(remote, new LocalHasher()).CompareAsync(LocalTree.Scan(root), remote.ListAsync());
        Assert.Equal("part.csv", Assert.Single(results).Path);
        Assert.Equal(CompareStatus.Equal, results[0].Status);
    }

    [Fact]
    public async Task Remote_only_files_include_and_exclude_and_shards_partition_the_paths()
    {
        await using var store = await Fixture.CreateStoreAsync();
        var files = Enumerable.Range(0, 40).Select(i => ($"p/{i:D2}.csv", 10, i)).ToArray();
        var root = NewTree(files);
        var remote = new RemoteFolder(store, "q/");
        await UploadTree(store, root, "q/");
        await UploadTree(store, NewTree(("p/extra.csv", 5, 1), ("p/skip.tmp", 5, 2)), "q/");

        var all = Statuses(await Comparer(remote, new LocalHasher(), filter: new PathFilter(exclude: ["*.tmp"])).CompareAsync(LocalTree.Scan(root), remote.ListAsync()));
        Assert.Equal(CompareStatus.RemoteOnly, all["p/extra.csv"]);
        Assert.False(all.ContainsKey("p/skip.tmp"));
        Assert.Equal(41, all.Count);

        var seen = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var shard = new Shard(i, 3);
            var part = await Comparer(remote, new LocalHasher(), filter: new PathFilter(include: ["p/*.csv"], shard: shard, remoteFolder: remote.Prefix))
                .CompareAsync(LocalTree.Scan(root), remote.ListAsync());
            Assert.All(part, r => Assert.True(shard.Contains(remote.PathOf(r.Path))));
            seen.AddRange(part.Select(r => r.Path));
        }
        Assert.Equal(all.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Module_temp_files_in_the_local_folder_are_not_local_files()
    {
        await using var store = await Fixture.CreateStoreAsync();
        var root = NewTree(("real.bin", 10, 1), (".real.bin.0123456789abcdef0123456789abcdef.mfpart", 10, 2));
        var remote = new RemoteFolder(store, "tmp/");
        var results = await Comparer(remote, new LocalHasher()).CompareAsync(LocalTree.Scan(root), remote.ListAsync());
        Assert.Equal("real.bin", Assert.Single(results).Path);
    }
}

public sealed class LocalFolderComparerTests : FolderComparerContractTests
{
    protected override IBackendFixture Fixture { get; } = new LocalBackendFixture();
    protected override bool ListingHasMd5 => false; // the local backend's listing has no MD5: files are hashed in place
}

public sealed class S3FolderComparerTests(S3Fixture fixture) : FolderComparerContractTests, IClassFixture<S3Fixture>
{
    protected override IBackendFixture Fixture => fixture;
    protected override bool ListingHasMd5 => true; // single-part ETags are the MD5
}

public sealed class AzureFolderComparerTests(AzureConnectionStringFixture fixture) : FolderComparerContractTests, IClassFixture<AzureConnectionStringFixture>
{
    protected override IBackendFixture Fixture => fixture;
    protected override bool ListingHasMd5 => true; // our uploads set Content-MD5, the listing returns it
}

public sealed class CustomFolderComparerTests : FolderComparerContractTests
{
    protected override IBackendFixture Fixture { get; } = new CompiledBackendFixture();
    protected override bool ListingHasMd5 => false; // the memory backend reports no hashes: the content is read
}
