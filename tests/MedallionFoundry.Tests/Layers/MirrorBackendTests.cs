using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Backends.Mirror;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>Mirrors of S3 and Azurite stores: the contract, the landing in both, and a dead target named.</summary>
public sealed class MirrorFixture(S3Fixture s3, AzureConnectionStringFixture azure) : IBackendFixture
{
    public async Task<BronzeStore> CreateStoreAsync()
    {
        var first = await s3.CreateStoreAsync();
        var second = await azure.CreateStoreAsync();
        return new BronzeStore(new MirrorBackend([first.Backend, second.Backend]), "mirror");
    }

    public IReadOnlyCollection<string> ServerDefects => s3.ServerDefects; // reads come from the S3 server first
}

public sealed class MirrorLayerContractTests(S3Fixture s3, AzureConnectionStringFixture azure)
    : BackendContractTests, IClassFixture<S3Fixture>, IClassFixture<AzureConnectionStringFixture>
{
    protected override IBackendFixture Fixture { get; } = new MirrorFixture(s3, azure);
}

public sealed class MirrorLayerTests(S3Fixture s3, AzureConnectionStringFixture azure) : IClassFixture<S3Fixture>, IClassFixture<AzureConnectionStringFixture>
{
    /// <summary>An Azure target whose server is not there (what a stopped Azurite looks like to a client).</summary>
    static StorageBackend DeadAzure() => AzureTestConfig.Backend(AzureTestConfig.Build("bronze", "dead", AzureTestAuth.AccountKey,
        extraConnection: new Dictionary<string, object?> { ["account_url"] = "http://127.0.0.1:9/devstoreaccount1" }));

    static async Task<byte[]> Fetch(BronzeStore store, string path)
    {
        using var stream = new MemoryStream();
        await store.DownloadAsync(path, stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task An_upload_lands_in_both_stores_and_a_delete_leaves_neither()
    {
        var first = (await s3.CreateStoreAsync()).Backend;
        var second = (await azure.CreateStoreAsync()).Backend;
        await using var mirror = new BronzeStore(new MirrorBackend([first, second]), "mirror");
        var data = TestData.Bytes(700_000, seed: 8);

        await mirror.UploadAsync(new MemoryStream(data), "m/a.bin");
        var folder = TestData.TempFolder("mirror-file");
        await File.WriteAllBytesAsync(Path.Combine(folder, "b.bin"), data);
        await mirror.UploadFileAsync(Path.Combine(folder, "b.bin"), "m/b.bin");

        foreach (var target in new[] { first, second })
            foreach (var path in new[] { "m/a.bin", "m/b.bin" })
            {
                var direct = new BronzeStore(target, "direct");
                Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(direct, path)));
            }

        await mirror.DeleteAsync("m/a.bin");
        Assert.Empty(await mirror.DeleteManyAsync(["m/b.bin"]));
        foreach (var target in new[] { first, second })
            foreach (var path in new[] { "m/a.bin", "m/b.bin" })
                Assert.Null(await new BronzeStore(target, "direct").StatAsync(path));
    }

    [Fact]
    public async Task With_one_target_down_the_upload_names_it_and_the_other_still_has_the_file()
    {
        var first = (await s3.CreateStoreAsync()).Backend;
        await using var mirror = new BronzeStore(new MirrorBackend([first, DeadAzure()]), "mirror");

        var error = await Assert.ThrowsAsync<MirrorTargetsException>(() => mirror.UploadAsync(new MemoryStream(TestData.Bytes(300_000)), "p/x.bin"));

        Assert.Contains("reached 1 of 2 mirror targets", error.Message);
        Assert.Equal(["target 1 (s3 at " + first.Location + ")"], error.Held);
        Assert.Single(error.Failed);
        Assert.StartsWith("target 2 (azure at http://127.0.0.1:9/devstoreaccount1", error.Failed[0]);
        Assert.Contains("Failed on target 2 (azure", error.Message);
        Assert.NotNull(await new BronzeStore(first, "direct").StatAsync("p/x.bin"));
    }

    [Fact]
    public async Task Reads_fall_over_to_the_healthy_target()
    {
        var healthy = (await s3.CreateStoreAsync()).Backend;
        var data = TestData.Bytes(123_456, seed: 2);
        await new BronzeStore(healthy, "direct").UploadAsync(new MemoryStream(data), "r/x.bin");
        await using var mirror = new BronzeStore(new MirrorBackend([DeadAzure(), healthy]), "mirror");

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(mirror, "r/x.bin")));
        Assert.Equal(data.Length, (await mirror.StatAsync("r/x.bin"))!.Size);
        var listed = new List<RemoteObject>();
        await foreach (var item in mirror.ListAsync("r/")) listed.Add(item);
        Assert.Equal(["r/x.bin"], listed.Select(o => o.Path));
        var check = await Assert.ThrowsAsync<MirrorTargetsException>(() => mirror.CheckAsync());
        Assert.StartsWith("target 2", check.Held.Single());
    }

    [Fact]
    public async Task A_mirror_is_configured_in_the_usual_schema_with_layers_per_target()
    {
        var one = TestData.TempFolder("mirror-one");
        var two = TestData.TempFolder("mirror-two");
        var config = PlatformConfig.Parse($"""
            platform:
              bronze:
                storage_backend: mirror
                mirror:
                  - {"{"} storage_backend: local, local_path: {one} {"}"}
                  - storage_backend: local
                    local_path: {two}
                    layers:
                      - compress: {"{"} algorithm: gzip {"}"}
                layers:
                  - compress
            """.Replace("\r\n", "\n"), "platform.yaml");
        await using var store = BronzeStoreFactory.Create(config);

        Assert.Equal($"zstd → mirror({one}, gzip → {two})", store.Backend.Location);
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("mirror me ", 10_000)));
        await store.UploadAsync(new MemoryStream(text), "t/x.txt");
        Assert.Equal(text, await Fetch(store, "t/x.txt"));
        Assert.Equal("MFCZ"u8.ToArray(), File.ReadAllBytes(Path.Combine(one, "t", "x.txt"))[..4]);
        var inTwo = File.ReadAllBytes(Path.Combine(two, "t", "x.txt"));
        Assert.Equal("MFCZ"u8.ToArray(), inTwo[..4]);
        Assert.Equal(2, inTwo[5]); // gzip of the zstd stream: the target's own layer
    }

    [Theory]
    [InlineData("    mirror:\n      - { storage_backend: s3, s3_prefix: p }\n", "Mirror target 1 ('platform.bronze.mirror[0]', s3)", "s3_bucket' is required")]
    [InlineData("    mirror:\n      - { storage_backend: local, local_pth: /tmp }\n", "Mirror target 1", "did you mean 'local_path'")]
    [InlineData("    mirror:\n      - { storage_backend: mirror, mirror: [] }\n", "platform.bronze.mirror[0]", "cannot itself be a mirror")]
    [InlineData("    mirror: local\n", "platform.bronze.mirror", "must be a list")]
    [InlineData("", "platform.bronze.mirror", "is required")]
    public void A_bad_target_is_named(string yaml, string where, string what)
    {
        var config = PlatformConfig.Parse($"platform:\n  bronze:\n    storage_backend: mirror\n{yaml}", "platform.yaml");
        var error = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(config));
        Assert.Contains(where, error.Message);
        Assert.Contains(what, error.Message);
    }
}

/// <summary>Test-BronzeMirror's comparison: files missing on a target, or of another size, named by target.</summary>
public sealed class MirrorComparisonLayerTests
{
    [Fact]
    public async Task Files_missing_on_a_target_or_of_another_size_are_reported_in_path_order()
    {
        var one = new LocalBackend(TestData.TempFolder("cmp-one"));
        var two = new LocalBackend(TestData.TempFolder("cmp-two"));
        var mirror = new MirrorBackend([one, two]);
        await using var store = new BronzeStore(new CompressLayer(mirror), "mirror");
        await store.UploadAsync(new MemoryStream("same"u8.ToArray()), "d/same.txt");
        await new BronzeStore(one, "one").UploadAsync(new MemoryStream("only one"u8.ToArray()), "d/only-one.txt");
        await new BronzeStore(two, "two").UploadAsync(new MemoryStream("other"u8.ToArray()), "d/same.txt"); // written around the mirror
        await new BronzeStore(two, "two").UploadAsync(new MemoryStream("elsewhere"u8.ToArray()), "e/outside.txt");

        Assert.Same(mirror, MirrorComparison.MirrorOf(store.Backend));
        var differences = await MirrorComparison.CompareAsync(mirror, "d/", default);

        Assert.Equal(["d/only-one.txt", "d/same.txt"], differences.Select(d => d.Path));
        Assert.Equal("Missing", differences[0].Status);
        Assert.Equal([$"target 1 (local at {one.Root})"], differences[0].PresentOn);
        Assert.Equal([$"target 2 (local at {two.Root})"], differences[0].MissingOn);
        Assert.Equal("SizeDiffers", differences[1].Status);
        Assert.Equal(2, differences[1].Sizes.Count);
        Assert.Equal(3, (await MirrorComparison.CompareAsync(mirror, "", default)).Count);
        Assert.Null(MirrorComparison.MirrorOf(one));
    }
}

/// <summary>A stream sent to a mirror is read once and fanned out with flat memory.</summary>
[Collection(LayerMemoryCollection.Name)]
public sealed class MirrorLayerMemoryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_200_MB_stream_reaches_both_targets_with_flat_memory()
    {
        var folder = TestData.TempFolder("mirror-big");
        var source = Path.Combine(folder, "big.bin");
        await using (var file = File.Create(source))
        {
            var block = TestData.Bytes(1 << 20, seed: 6);
            for (var i = 0; i < 200; i++) { block[0] = (byte)i; await file.WriteAsync(block); }
        }
        var one = TestData.TempFolder("mirror-big-one");
        var two = TestData.TempFolder("mirror-big-two");
        await using var store = new BronzeStore(new MirrorBackend([new LocalBackend(one), new LocalBackend(two)]), "mirror");

        long peak;
        using (var memory = new PeakManagedMemory())
        {
            await using (var input = File.OpenRead(source))
                await store.UploadAsync(input, "big/big.bin");
            peak = memory.Peak;
        }
        output.WriteLine($"mirror fan-out of 200 MiB to 2 targets: peak managed memory +{TestData.MiB(peak)}");

        var expected = TestData.Sha256File(source);
        Assert.Equal(expected, TestData.Sha256File(Path.Combine(one, "big", "big.bin")));
        Assert.Equal(expected, TestData.Sha256File(Path.Combine(two, "big", "big.bin")));
        Assert.True(peak < 64L << 20, $"managed memory grew by {TestData.MiB(peak)}");
        Directory.Delete(folder, true);
        Directory.Delete(one, true);
        Directory.Delete(two, true);
    }
}
