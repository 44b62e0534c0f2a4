using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>The cache layer against the S3 server, every request counted: an unchanged object is never GET
/// twice, a changed one is, a damaged entry is detected, and max_size evicts the least recently used.</summary>
public sealed class CacheLayerTests(S3Fixture s3) : IClassFixture<S3Fixture>
{
    sealed record Setup(BronzeStore Raw, BronzeStore Cached, RequestCounter Counter, string CacheFolder, string Prefix)
    {
        /// <summary>GETs of object bytes (not listings) sent through the cached store.</summary>
        public int ObjectGets => Counter.Count(r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains(Prefix, StringComparison.Ordinal) && !r.Contains("list-type", StringComparison.Ordinal));
    }

    Setup Create(long maxBytes = 1L << 30)
    {
        var prefix = S3Fixture.UniquePrefix("cache");
        var counter = new RequestCounter();
        var folder = TestData.TempFolder("cache-folder");
        var cached = new BronzeStore(new CacheLayer(s3.CreateBackend(s3.Settings(prefix), counter), folder, maxBytes), "cached");
        return new Setup(new BronzeStore(s3.CreateBackend(s3.Settings(prefix)), "raw"), cached, counter, folder, prefix);
    }

    static async Task<byte[]> Fetch(BronzeStore store, string path)
    {
        using var stream = new MemoryStream();
        await store.DownloadAsync(path, stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task The_second_download_of_100_unchanged_files_gets_no_bytes()
    {
        var s = Create();
        var files = Enumerable.Range(0, 100).Select(i => ($"t/part-{i:D3}.bin", TestData.Bytes(1000 + i, seed: i))).ToList();
        await Parallel.ForEachAsync(files, async (f, _) => await s.Raw.UploadAsync(new MemoryStream(f.Item2), f.Item1));
        var target = TestData.TempFolder("cache-100");

        foreach (var (path, _) in files) await s.Cached.DownloadFileAsync(path, Path.Combine(target, "first", path));
        var firstGets = s.ObjectGets;
        foreach (var (path, _) in files) await s.Cached.DownloadFileAsync(path, Path.Combine(target, "second", path));

        Assert.Equal(100, firstGets);
        Assert.Equal(100, s.ObjectGets); // none more
        foreach (var (path, data) in files)
            Assert.Equal(TestData.Sha256(data), TestData.Sha256File(Path.Combine(target, "second", path)));
    }

    [Fact]
    public async Task A_changed_object_is_fetched_again()
    {
        var s = Create();
        await s.Raw.UploadAsync(new MemoryStream("version one"u8.ToArray()), "c/file.txt");
        Assert.Equal("version one"u8.ToArray(), await Fetch(s.Cached, "c/file.txt"));
        await s.Raw.UploadAsync(new MemoryStream("version two!"u8.ToArray()), "c/file.txt");

        Assert.Equal("version two!"u8.ToArray(), await Fetch(s.Cached, "c/file.txt"));
        Assert.Equal("version two!"u8.ToArray(), await Fetch(s.Cached, "c/file.txt"));
        Assert.Equal(2, s.ObjectGets);
    }

    [Fact]
    public async Task A_damaged_cache_entry_is_detected_and_fetched_again()
    {
        var s = Create();
        var data = TestData.Bytes(50_000, seed: 4);
        await s.Raw.UploadAsync(new MemoryStream(data), "d/file.bin");
        await Fetch(s.Cached, "d/file.bin");
        var entry = Directory.GetFiles(s.CacheFolder, "*.data", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(entry);
        bytes[1234] ^= 0xFF;
        File.WriteAllBytes(entry, bytes);

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(s.Cached, "d/file.bin")));
        Assert.Equal(2, s.ObjectGets);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(Directory.GetFiles(s.CacheFolder, "*.data", SearchOption.AllDirectories).Single()));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(s.Cached, "d/file.bin")));
        Assert.Equal(2, s.ObjectGets);
    }

    [Fact]
    public async Task Max_size_evicts_the_least_recently_used()
    {
        var s = Create(maxBytes: 3L << 20);
        foreach (var name in new[] { "a", "b", "c", "d" })
            await s.Raw.UploadAsync(new MemoryStream(TestData.Bytes(1 << 20, seed: name[0])), $"e/{name}.bin");

        foreach (var name in new[] { "a", "b", "c" }) await Fetch(s.Cached, $"e/{name}.bin");
        await Fetch(s.Cached, "e/a.bin"); // a is now the most recently used; b the least
        Assert.Equal(3, s.ObjectGets);
        await Fetch(s.Cached, "e/d.bin"); // 4 MiB > 3 MiB: b goes

        var held = Directory.GetFiles(s.CacheFolder, "*.data", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(held <= 3L << 20, $"the cache holds {held} bytes");
        await Fetch(s.Cached, "e/a.bin");
        Assert.Equal(4, s.ObjectGets);
        await Fetch(s.Cached, "e/b.bin");
        Assert.Equal(5, s.ObjectGets);
    }

    [Fact]
    public async Task An_object_larger_than_max_size_is_not_kept()
    {
        var s = Create(maxBytes: 1L << 20);
        await s.Raw.UploadAsync(new MemoryStream(TestData.Bytes((1 << 20) + 1)), "big/x.bin");
        await Fetch(s.Cached, "big/x.bin");
        await Fetch(s.Cached, "big/x.bin");
        Assert.Equal(2, s.ObjectGets);
        Assert.Empty(Directory.GetFiles(s.CacheFolder, "*.data", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Under_the_encrypt_layer_the_cache_holds_only_ciphertext()
    {
        var root = TestData.TempFolder("cache-enc-store");
        var folder = TestData.TempFolder("cache-enc");
        await using var store = new BronzeStore(new CompressLayer(TestKeys.Encrypt(new CacheLayer(new Backends.Local.LocalBackend(root), folder, 1L << 30))), "test");
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("PLAINTEXT-MARKER ", 5000)));
        await store.UploadAsync(new MemoryStream(text), "p/t.txt");

        Assert.Equal(text, await Fetch(store, "p/t.txt"));
        Assert.Equal(text, await Fetch(store, "p/t.txt"));
        var entry = File.ReadAllBytes(Directory.GetFiles(folder, "*.data", SearchOption.AllDirectories).Single());
        Assert.Equal("MFENCRYP"u8.ToArray(), entry[..8]);
        Assert.Equal(-1, entry.AsSpan().IndexOf("PLAINTEXT-MARKER"u8));
    }

    [Fact]
    public void The_cache_is_configured_in_the_layers_list()
    {
        var root = TestData.TempFolder("cache-config");
        PlatformConfig Config(string cache) => PlatformConfig.Parse(
            $"platform:\n  bronze:\n    storage_backend: local\n    local_path: {root}\n    layers:\n      - compress\n      - cache: {cache}\n", "platform.yaml");

        var store = BronzeStoreFactory.Create(Config("{ path: ~/mf-layer-cache-test, max_size: 10GB }"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal($"zstd → cache {Path.Combine(home, "mf-layer-cache-test")} → {root}", store.Backend.Location);

        var bad = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(Config("{ max_size: lots }")));
        Assert.Equal("platform.bronze.layers[1].cache.max_size", bad.Key);
        var small = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(Config("{ max_size: 10KB }")));
        Assert.Contains("must be between 1MiB", small.Message);
    }
}
