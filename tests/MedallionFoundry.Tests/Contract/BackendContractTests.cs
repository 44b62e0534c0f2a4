using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Contract;

/// <summary>
/// The backend contract, written once. Every backend (local disk, the S3 server, Azurite, custom
/// backends) runs it through a subclass that supplies its fixture. What it checks is what a user
/// would: bytes round-trip, listings have the right paths and counts, errors have the right type.
/// </summary>
public abstract partial class BackendContractTests
{
    protected abstract IBackendFixture Fixture { get; }

    Task<BronzeStore> NewStore() => Fixture.CreateStoreAsync();

    static async Task Put(BronzeStore store, string path, byte[] data)
    {
        using var stream = new MemoryStream(data);
        await store.UploadAsync(stream, path);
    }

    static async Task<byte[]> Fetch(BronzeStore store, string path)
    {
        using var stream = new MemoryStream();
        await store.DownloadAsync(path, stream);
        return stream.ToArray();
    }

    static async Task<List<RemoteObject>> All(BronzeStore store, string prefix, bool recursive = true, int pageSize = 1000)
    {
        var items = new List<RemoteObject>();
        await foreach (var item in store.ListAsync(prefix, new ListOptions { Recursive = recursive, PageSize = pageSize }))
            items.Add(item);
        return items;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5 * 1024 * 1024 + 17)]
    public async Task Stream_round_trip_keeps_every_byte(int length)
    {
        await using var store = await NewStore();
        var data = TestData.Bytes(length, seed: length);
        await Put(store, "system=api/table=users/part-0001.bin", data);

        var back = await Fetch(store, "system=api/table=users/part-0001.bin");

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(back));
        var stat = await store.StatAsync("system=api/table=users/part-0001.bin");
        Assert.NotNull(stat);
        Assert.Equal(length, stat!.Size);
    }

    [Fact]
    public async Task File_round_trip_writes_the_file_and_leaves_no_temporary_files()
    {
        await using var store = await NewStore();
        var folder = TestData.TempFolder("contract-file");
        var source = Path.Combine(folder, "source.parquet");
        var data = TestData.Bytes(3 * 1024 * 1024 + 5);
        await File.WriteAllBytesAsync(source, data);

        var uploaded = await store.UploadFileAsync(source, "system=api/table=users/dt=2025-01-01/part-0001.parquet");
        var target = Path.Combine(folder, "down", "nested", "part.parquet");
        await store.DownloadFileAsync("system=api/table=users/dt=2025-01-01/part-0001.parquet", target);

        Assert.Equal("system=api/table=users/dt=2025-01-01/part-0001.parquet", uploaded.Path);
        Assert.Equal(data.Length, uploaded.Size);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(target));
        Assert.Equal(new[] { "part.parquet" }, Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Upload_overwrites_by_default_and_refuses_when_asked_not_to()
    {
        await using var store = await NewStore();
        await Put(store, "a/file.txt", "first"u8.ToArray());
        await Put(store, "a/file.txt", "second"u8.ToArray());
        Assert.Equal("second"u8.ToArray(), await Fetch(store, "a/file.txt"));

        using var third = new MemoryStream("third"u8.ToArray());
        await Assert.ThrowsAsync<StorageConflictException>(() =>
            store.UploadAsync(third, "a/file.txt", new UploadOptions { Overwrite = false }));
        Assert.Equal("second"u8.ToArray(), await Fetch(store, "a/file.txt"));
    }

    [Fact]
    public async Task Download_to_an_existing_file_needs_overwrite_and_keeps_the_old_file_otherwise()
    {
        await using var store = await NewStore();
        await Put(store, "x/data.csv", "remote"u8.ToArray());
        var folder = TestData.TempFolder("contract-exists");
        var target = Path.Combine(folder, "data.csv");
        await File.WriteAllTextAsync(target, "local");

        await Assert.ThrowsAsync<StorageConflictException>(() => store.DownloadFileAsync("x/data.csv", target));
        Assert.Equal("local", await File.ReadAllTextAsync(target));

        await store.DownloadFileAsync("x/data.csv", target, overwrite: true);
        Assert.Equal("remote", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Download_of_a_missing_file_is_not_found_and_leaves_no_file()
    {
        await using var store = await NewStore();
        var folder = TestData.TempFolder("contract-missing");
        var target = Path.Combine(folder, "missing.csv");

        var error = await Assert.ThrowsAsync<StorageNotFoundException>(() => store.DownloadFileAsync("no/such/file.csv", target));

        Assert.Equal("no/such/file.csv", RemotePath.ToRelative(store.Prefix, error.Path!));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        Assert.Null(await store.StatAsync("no/such/file.csv"));
    }

    [Fact]
    public async Task Recursive_listing_returns_paths_relative_to_the_prefix_that_round_trip()
    {
        await using var store = await NewStore();
        var paths = new[]
        {
            "system=api/table=users/dt=2025-01-01/part-0001.csv",
            "system=api/table=users/dt=2025-01-02/part-0001.csv",
            "system=api/table=users/dt=2025-01-02/part-0002.csv",
            "system=api/table=orders/dt=2025-01-01/part-0001.csv",
        };
        foreach (var path in paths) await Put(store, path, System.Text.Encoding.UTF8.GetBytes(path));

        var listed = await All(store, "system=api/table=users/");

        Assert.Equal(paths.Take(3).Order(StringComparer.Ordinal), listed.Select(o => o.Path));
        Assert.All(listed, o => Assert.False(o.IsPrefix));
        Assert.All(listed, o => Assert.Equal(RemotePath.ToKey(store.Prefix, o.Path), o.Key));
        Assert.All(listed, o => Assert.Equal(store.BackendType, o.Backend));
        Assert.All(listed, o => Assert.NotNull(o.LastModified));
        foreach (var item in listed)
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(item.Path), await Fetch(store, item.Path));
    }

    [Fact]
    public async Task One_level_listing_returns_files_and_folders_of_that_level()
    {
        await using var store = await NewStore();
        await Put(store, "system=api/readme.txt", "r"u8.ToArray());
        await Put(store, "system=api/table=users/part-1.csv", "u"u8.ToArray());
        await Put(store, "system=api/table=orders/part-1.csv", "o"u8.ToArray());

        var listed = await All(store, "system=api/", recursive: false);

        Assert.Equal(new[] { "system=api/readme.txt", "system=api/table=orders/", "system=api/table=users/" },
            listed.Select(o => o.Path).Order(StringComparer.Ordinal));
        Assert.True(listed.Single(o => o.Path == "system=api/table=users/").IsPrefix);
        Assert.False(listed.Single(o => o.Path == "system=api/readme.txt").IsPrefix);
    }

    [Fact]
    public async Task One_level_listing_finds_folders_two_or_more_levels_deep()
    {
        await using var store = await NewStore();
        await Put(store, "system=api/table=users/dt=2025-01-01/part-1.csv", "1"u8.ToArray());
        await Put(store, "system=api/table=users/dt=2025-01-02/part-1.csv", "2"u8.ToArray());

        var listed = await All(store, "system=api/", recursive: false);

        if (Fixture.ServerDefects.Contains(KnownServerDefects.S3rverDeepDelimiterListing))
        {
            // KNOWN SERVER DEFECT, not a product bug: this server returns nothing here. The assertion
            // fails once the server is fixed; then drop the defect from the fixture.
            Assert.Empty(listed);
            return;
        }
        Assert.Equal(new[] { "system=api/table=users/" }, listed.Select(o => o.Path));
    }

    [Fact]
    public async Task A_prefix_ending_in_slash_does_not_match_a_longer_sibling()
    {
        await using var store = await NewStore();
        await Put(store, "t/dt=2025-01-1/a.csv", "1"u8.ToArray());
        await Put(store, "t/dt=2025-01-10/b.csv", "10"u8.ToArray());

        var exact = await All(store, "t/dt=2025-01-1/");
        var loose = await All(store, "t/dt=2025-01-1");

        Assert.Equal(new[] { "t/dt=2025-01-1/a.csv" }, exact.Select(o => o.Path));
        Assert.Equal(new[] { "t/dt=2025-01-1/a.csv", "t/dt=2025-01-10/b.csv" }, loose.Select(o => o.Path));
    }

    [Fact]
    public async Task Listing_pages_through_more_items_than_one_page()
    {
        await using var store = await NewStore();
        var paths = Enumerable.Range(0, 25).Select(i => $"many/part-{i:D4}.csv").ToList();
        await Parallel.ForEachAsync(paths, async (path, _) => await Put(store, path, "x"u8.ToArray()));

        var pages = new List<int>();
        await foreach (var page in store.ListPagesAsync("many/", new ListOptions { PageSize = 10 }))
            pages.Add(page.Objects.Count);
        var listed = await All(store, "many/", pageSize: 10);

        Assert.True(pages.Count >= 3, $"expected at least 3 pages, got {pages.Count}");
        Assert.Equal(25, pages.Sum());
        Assert.Equal(paths, listed.Select(o => o.Path));
    }

    [Fact]
    public async Task Listing_an_empty_prefix_returns_nothing()
    {
        await using var store = await NewStore();
        Assert.Empty(await All(store, "nothing/here/"));
    }

    [Fact]
    public async Task Delete_removes_the_file_and_a_missing_file_is_not_an_error()
    {
        await using var store = await NewStore();
        await Put(store, "d/one.csv", "1"u8.ToArray());

        await store.DeleteAsync("d/one.csv");
        await store.DeleteAsync("d/one.csv");
        await store.DeleteAsync("never/existed.csv");

        Assert.Null(await store.StatAsync("d/one.csv"));
        Assert.Empty(await All(store, "d/"));
    }

    [Fact]
    public async Task Delete_many_removes_exactly_the_given_files_in_batches()
    {
        await using var store = await NewStore();
        var doomed = Enumerable.Range(0, 30).Select(i => $"batch/del/part-{i:D3}.csv").ToList();
        var kept = new[] { "batch/keep/part-000.csv", "batch/del-not/part-000.csv" };
        await Parallel.ForEachAsync(doomed.Concat(kept), async (path, _) => await Put(store, path, "x"u8.ToArray()));

        var batches = new List<int>();
        var failures = await store.DeleteManyAsync(doomed.Append("batch/del/missing.csv"), batches.Add);

        Assert.Empty(failures);
        Assert.Equal(31, batches.Sum());
        Assert.Equal(kept.Order(StringComparer.Ordinal), (await All(store, "batch/")).Select(o => o.Path));
    }

    [Fact]
    public async Task Delete_many_reports_invalid_paths_and_deletes_the_rest()
    {
        await using var store = await NewStore();
        await Put(store, "ok/a.csv", "a"u8.ToArray());

        var failures = await store.DeleteManyAsync(new[] { "ok/a.csv", "../escape.csv" });

        var failure = Assert.Single(failures);
        Assert.Equal("../escape.csv", failure.Key);
        Assert.IsType<InvalidRemotePathException>(failure.Error);
        Assert.Null(await store.StatAsync("ok/a.csv"));
    }

    [Theory]
    [InlineData("../outside.csv")]
    [InlineData("a/../../outside.csv")]
    [InlineData("/absolute.csv")]
    [InlineData("a//b.csv")]
    [InlineData("a/./b.csv")]
    [InlineData("")]
    [InlineData("folder/")]
    [InlineData("C:/windows.csv")]
    public async Task Invalid_paths_are_rejected_with_the_path_named(string path)
    {
        await using var store = await NewStore();
        using var data = new MemoryStream("x"u8.ToArray());

        var upload = await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.UploadAsync(data, path));
        var download = await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.DownloadAsync(path, new MemoryStream()));
        await Assert.ThrowsAsync<InvalidRemotePathException>(() => store.DeleteAsync(path));

        Assert.Contains($"'{path}'", upload.Message);
        Assert.Equal(path, download.Path);
    }

    [Fact]
    public async Task Backslashes_are_normalised_to_slashes()
    {
        await using var store = await NewStore();
        await Put(store, "win\\style\\file.csv", "w"u8.ToArray());

        Assert.Equal(new[] { "win/style/file.csv" }, (await All(store, "win/")).Select(o => o.Path));
    }

    [Fact]
    public async Task Cancelled_operations_throw_and_leave_nothing_behind()
    {
        await using var store = await NewStore();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var data = new MemoryStream(TestData.Bytes(1024));
        var folder = TestData.TempFolder("contract-cancel");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UploadAsync(data, "c/file.bin", cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DownloadFileAsync("c/file.bin", Path.Combine(folder, "f.bin"), cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in store.ListAsync("c/", cancellationToken: cancelled.Token)) { }
        });

        Assert.Null(await store.StatAsync("c/file.bin"));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public async Task Concurrent_uploads_of_different_files_all_arrive()
    {
        await using var store = await NewStore();
        var files = Enumerable.Range(0, 40).Select(i => ($"conc/p={i % 4}/f-{i:D2}.bin", TestData.Bytes(2048 + i, i))).ToList();

        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (f, _) => await Put(store, f.Item1, f.Item2));

        var listed = await All(store, "conc/");
        Assert.Equal(40, listed.Count);
        foreach (var (path, data) in files.Take(5))
            Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(store, path)));
    }

    /// <summary>A name of 230 UTF-8 bytes (multi-byte characters included) fits every store here and
    /// every local file system; the module's temporary names beside it must fit too.</summary>
    static string LongName(int bytes) => string.Concat(Enumerable.Repeat("ü", 60)) + new string('a', bytes - 120 - 4) + ".csv";

    [Fact]
    public async Task Long_names_upload_and_download_when_the_final_name_fits()
    {
        await using var store = await NewStore();
        var folder = TestData.TempFolder("contract-long");
        var name = LongName(230);
        var source = Path.Combine(folder, name);
        var data = TestData.Bytes(4096 + 3);
        await File.WriteAllBytesAsync(source, data);

        await store.UploadFileAsync(source, $"long/{name}");
        var sameName = Path.Combine(folder, "down", name);
        var longestName = Path.Combine(folder, "down", LongName(255));
        await store.DownloadFileAsync($"long/{name}", sameName);
        await store.DownloadFileAsync($"long/{name}", longestName);

        Assert.Equal(new[] { $"long/{name}" }, (await All(store, "long/")).Select(o => o.Path));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(sameName));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(longestName));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(folder, "down")).Length);
    }

    [Fact]
    public async Task A_download_cleans_stale_leftovers_of_killed_runs_from_its_folder_and_keeps_the_rest()
    {
        await using var store = await NewStore();
        await Put(store, "left/f.bin", TestData.Bytes(100));
        var folder = TestData.TempFolder("contract-leftovers");
        var stale = TempFileNames.Beside(Path.Combine(folder, "old.bin"), TempFileNames.DownloadSuffix);
        var live = TempFileNames.Beside(Path.Combine(folder, "running.bin"), TempFileNames.DownloadSuffix);
        var data = Path.Combine(folder, "keep.mfpart"); // a user's file that only looks like ours
        foreach (var f in new[] { stale, live, data }) File.WriteAllText(f, "x");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TempFileNames.StaleAge - TimeSpan.FromMinutes(5));
        File.SetLastWriteTimeUtc(data, DateTime.UtcNow.AddDays(-30));

        await store.DownloadFileAsync("left/f.bin", Path.Combine(folder, "f.bin"));

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(data));
        Assert.True(File.Exists(Path.Combine(folder, "f.bin")));
    }
}
