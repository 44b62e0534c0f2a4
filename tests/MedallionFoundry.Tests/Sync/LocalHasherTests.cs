using System.Security.Cryptography;
using MedallionFoundry.Storage;
using MedallionFoundry.Sync;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Sync;

public sealed class LocalHasherTests
{
    static string NewFile(int size, int seed = 1)
    {
        var path = Path.Combine(TestData.TempFolder("hash"), "data.bin");
        File.WriteAllBytes(path, TestData.Bytes(size, seed));
        return path;
    }

    /// <summary>The S3 multipart ETag computed the plain way, from the whole file in memory (small test files only).</summary>
    static string ExpectedMultipartETag(byte[] data, int partSize)
    {
        var partHashes = data.Chunk(partSize).SelectMany(MD5.HashData).ToArray();
        var parts = (data.Length + partSize - 1) / partSize;
        return $"{Convert.ToHexString(MD5.HashData(partHashes)).ToLowerInvariant()}-{parts}";
    }

    [Fact]
    public async Task Whole_md5_is_the_base64_content_md5()
    {
        var path = NewFile(300_001);
        var md5 = await new LocalHasher().Md5Async(path, default);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(await File.ReadAllBytesAsync(path))), md5);
    }

    [Theory]
    [InlineData(3 * 1024 * 1024 + 5, 1024 * 1024)]     // a short last part
    [InlineData(2 * 1024 * 1024, 1024 * 1024)]         // exact parts
    [InlineData(1_500_000, 5 * 1024 * 1024)]           // one part
    [InlineData(2_500_000, 700_000)]                   // part size not a multiple of the read buffer
    public async Task Multipart_etag_is_the_md5_of_the_part_md5s(int size, int partSize)
    {
        var path = NewFile(size, seed: size);
        var etag = await new LocalHasher().MultipartETagAsync(path, partSize, default);
        Assert.Equal(ExpectedMultipartETag(await File.ReadAllBytesAsync(path), partSize), etag);
    }

    [Fact]
    public void Part_sizes_tried_are_those_that_give_the_etag_part_count()
    {
        const long mib = 1 << 20;
        // 20 MiB by aws-cli (8 MiB parts) is "-3": 8 MiB fits, 5 MiB (4 parts) and 16 MiB (2 parts) do not.
        Assert.Equal(new[] { 8 * mib }, RemoteHash.PartSizesFor(20 * mib, 3, FolderComparer.CommonPartSizes));
        Assert.Equal(new[] { 5 * mib }, RemoteHash.PartSizesFor(20 * mib, 4, FolderComparer.CommonPartSizes));
        Assert.Empty(RemoteHash.PartSizesFor(20 * mib, 7, FolderComparer.CommonPartSizes));
    }

    [Fact]
    public async Task A_multipart_etag_of_another_tool_is_compared_without_a_request_and_a_change_is_found()
    {
        const int partSize = 5 * 1024 * 1024; // rclone's default chunk size
        var path = NewFile(11 * 1024 * 1024 + 3, seed: 9);
        var etag = ExpectedMultipartETag(await File.ReadAllBytesAsync(path), partSize);
        var remote = new RemoteObject { Path = "f.bin", Key = "f.bin", Size = new FileInfo(path).Length, ETag = etag };
        var local = new LocalTree([new LocalFile("f.bin", path, new FileInfo(path).Length, DateTimeOffset.UtcNow)], [], []);
        var fallbacks = 0;
        var comparer = new FolderComparer
        {
            Hasher = new LocalHasher(),
            RemoteMd5 = (_, _) => { fallbacks++; return Task.FromResult<string?>(null); },
        };

        var equal = Assert.Single(await comparer.CompareAsync(local, One(remote)));
        Assert.Equal(CompareStatus.Equal, equal.Status);
        Assert.Contains("5 MiB", equal.Reason);

        // Same size, other bytes: no part size matches, the fallback is asked, and without an answer the file is an error, never equal.
        await using (var edit = new FileStream(path, FileMode.Open, FileAccess.Write)) { edit.Position = 7; edit.WriteByte(0x55); edit.WriteByte(0xAA); }
        var changed = Assert.Single(await new FolderComparer { Hasher = new LocalHasher(), RemoteMd5 = comparer.RemoteMd5 }.CompareAsync(local, One(remote)));
        Assert.Equal(CompareStatus.Error, changed.Status);
        Assert.Equal(1, fallbacks);
        Assert.Contains("matches no known part size", changed.Note);
    }

    static async IAsyncEnumerable<(string, RemoteObject)> One(RemoteObject item)
    {
        await Task.Yield();
        yield return (item.Path, item);
    }
}

public sealed class HashCacheTests : IDisposable
{
    readonly string _cacheFolder = TestData.TempFolder("hash-cache");
    readonly string? _saved = Environment.GetEnvironmentVariable(HashCache.FolderVariable);

    public HashCacheTests() => Environment.SetEnvironmentVariable(HashCache.FolderVariable, _cacheFolder);

    public void Dispose() => Environment.SetEnvironmentVariable(HashCache.FolderVariable, _saved);

    [Fact]
    public async Task An_unchanged_file_is_answered_from_the_saved_cache_and_a_same_size_edit_with_its_time_set_back_is_hashed_again()
    {
        var root = TestData.TempFolder("cached-tree");
        var path = Path.Combine(root, "x.csv");
        File.WriteAllBytes(path, TestData.Bytes(50_000, 1));
        var time = DateTime.UtcNow.AddDays(-1);
        File.SetLastWriteTimeUtc(path, time);

        var first = new LocalHasher(HashCache.ForRoot(root));
        var before = await first.Md5Async(path, default);
        first.Cache!.Save();
        Assert.True(File.Exists(first.Cache.FilePath));
        Assert.StartsWith(_cacheFolder, first.Cache.FilePath);

        var second = new LocalHasher(HashCache.ForRoot(root));
        Assert.Equal(before, await second.Md5Async(path, default));
        Assert.Equal(0, second.FilesRead); // from the cache

        // Same size, same modification time, other bytes: the OS change time moved, so the entry is stale.
        await using (var edit = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            edit.Position = 10;
            var old = (byte)edit.ReadByte();
            edit.Position = 10;
            edit.WriteByte((byte)~old);
        }
        File.SetLastWriteTimeUtc(path, time);
        var third = new LocalHasher(HashCache.ForRoot(root));
        var after = await third.Md5Async(path, default);
        Assert.Equal(1, third.FilesRead);
        Assert.NotEqual(before, after);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(await File.ReadAllBytesAsync(path))), after);
    }

    [Fact]
    public void Off_means_no_cache()
    {
        Environment.SetEnvironmentVariable(HashCache.FolderVariable, "off");
        Assert.Null(HashCache.ForRoot(TestData.TempFolder("no-cache")));
    }
}
