using System.Text;
using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Copy;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>What the encrypt layer stores and refuses: no plaintext at rest, and another key, a changed
/// byte, a cut or an appended tail each fail as DecryptionFailed with no output file left.</summary>
public sealed class EncryptLayerTests(S3Fixture s3) : IClassFixture<S3Fixture>
{
    const int Plain = 200_000; // four chunks: three full, one short
    const int Sealed = EncryptedFormat.ChunkSize + EncryptedFormat.TagSize;

    static (BronzeStore Store, string Root) LocalStore(byte[]? key = null)
    {
        var root = TestData.TempFolder("encrypt");
        return (new BronzeStore(new EncryptLayer(new LocalBackend(root), key ?? TestKeys.Main, "the test key"), "test"), root);
    }

    static async Task<StorageDecryptionException> FailsLeavingNoFile(BronzeStore store, string path)
    {
        var folder = TestData.TempFolder("encrypt-out");
        var error = await Assert.ThrowsAsync<StorageDecryptionException>(() => store.DownloadFileAsync(path, Path.Combine(folder, "out.bin")));
        Assert.Equal(StorageErrorKind.DecryptionFailed, error.Kind);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        return error;
    }

    [Fact]
    public async Task The_bytes_at_rest_read_by_aws_cli_hold_no_plaintext()
    {
        var prefix = S3Fixture.UniquePrefix("encrypt-raw");
        await using var store = new BronzeStore(TestKeys.Encrypt(s3.CreateBackend(s3.Settings(prefix))), "test");
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("customer=ACME-SECRET-4711;", 20_000)));
        await store.UploadAsync(new MemoryStream(text), "crm/accounts.csv");

        var folder = PeerTools.AwsDownload(s3.Endpoint, s3.Bucket, prefix, S3TestServer.AccessKey, S3TestServer.SecretKey);
        var raw = await File.ReadAllBytesAsync(Path.Combine(folder, "crm", "accounts.csv"));

        Assert.Equal("MFENCRYP"u8.ToArray(), raw[..8]);
        Assert.Equal(-1, raw.AsSpan().IndexOf("ACME-SECRET"u8));
        var stat = (await store.StatAsync("crm/accounts.csv"))!;
        Assert.Equal(text.Length, stat.Size);
        Assert.Null(MedallionFoundry.Sync.RemoteHash.Md5Of(stat)); // the store's ETag is the ciphertext's MD5: never offered as the file's
        var back = new MemoryStream();
        await store.DownloadAsync("crm/accounts.csv", back);
        Assert.Equal(text, back.ToArray());
    }

    [Fact]
    public async Task The_same_file_encrypts_differently_each_time()
    {
        var (store, root) = LocalStore();
        var data = TestData.Bytes(1000);
        await store.UploadAsync(new MemoryStream(data), "a.bin");
        await store.UploadAsync(new MemoryStream(data), "b.bin");
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(root, "a.bin")), File.ReadAllBytes(Path.Combine(root, "b.bin")));
    }

    [Fact]
    public async Task Another_key_is_DecryptionFailed_naming_both_key_ids()
    {
        var (writer, root) = LocalStore();
        await writer.UploadAsync(new MemoryStream(TestData.Bytes(Plain)), "x/secret.bin");
        await using var reader = new BronzeStore(new EncryptLayer(new LocalBackend(root), TestKeys.Other, "the environment variable 'OTHER_KEY'"), "test");

        var error = await FailsLeavingNoFile(reader, "x/secret.bin");
        Assert.Contains("encrypted with another key", error.Message);
        Assert.Contains(((EncryptLayer)writer.Backend).KeyId, error.Message);
        Assert.Contains("the environment variable 'OTHER_KEY'", error.Message);
        Assert.DoesNotContain(Convert.ToBase64String(TestKeys.Other), error.Message);
    }

    [Theory]
    [InlineData(30, "header (salt)")]
    [InlineData(EncryptedFormat.HeaderSize + 10, "first chunk")]
    [InlineData(EncryptedFormat.HeaderSize + Sealed + 5, "second chunk")]
    [InlineData(-1, "last tag")]
    public async Task A_flipped_byte_fails_authentication(int offset, string where)
    {
        var (store, root) = LocalStore();
        await store.UploadAsync(new MemoryStream(TestData.Bytes(Plain)), "f.bin");
        var file = Path.Combine(root, "f.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[offset < 0 ? bytes.Length + offset : offset] ^= 0x01;
        File.WriteAllBytes(file, bytes);

        var error = await FailsLeavingNoFile(store, "f.bin");
        Assert.True(error.Message.Contains("failed authentication"), $"{where}: {error.Message}");
    }

    [Theory]
    [InlineData(EncryptedFormat.HeaderSize + 2 * Sealed, "at a chunk boundary")]
    [InlineData(EncryptedFormat.HeaderSize + Sealed + 100, "inside a chunk")]
    [InlineData(EncryptedFormat.HeaderSize + 3, "inside the first chunk's tag")]
    [InlineData(20, "inside the header")]
    public async Task A_truncated_object_fails(int keep, string where)
    {
        var (store, root) = LocalStore();
        await store.UploadAsync(new MemoryStream(TestData.Bytes(Plain)), "t.bin");
        var file = Path.Combine(root, "t.bin");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..keep]);

        var error = await FailsLeavingNoFile(store, "t.bin");
        Assert.True(error.Message.Contains("truncated") || error.Message.Contains("failed authentication"), $"{where}: {error.Message}");
    }

    [Fact]
    public async Task Bytes_appended_after_the_last_chunk_fail()
    {
        var (store, root) = LocalStore();
        await store.UploadAsync(new MemoryStream(TestData.Bytes(Plain)), "t.bin");
        await File.AppendAllTextAsync(Path.Combine(root, "t.bin"), new string('x', Sealed));
        await FailsLeavingNoFile(store, "t.bin");
    }

    [Fact]
    public async Task A_plain_object_is_not_decrypted_but_refused()
    {
        var (store, root) = LocalStore();
        await File.WriteAllTextAsync(Path.Combine(root, "plain.txt"), string.Concat(Enumerable.Repeat("not encrypted at all ", 10)));
        var error = await FailsLeavingNoFile(store, "plain.txt");
        Assert.Contains("not encrypted", error.Message);
    }

    [Fact]
    public void The_key_comes_from_the_named_variable_and_is_never_shown()
    {
        var root = TestData.TempFolder("encrypt-config");
        var key = Convert.ToBase64String(TestKeys.Main);
        var env = new Dictionary<string, string> { ["MF_TEST_BRONZE_KEY"] = key, ["MF_TEST_BAD_KEY"] = "c2hvcnQ=" };
        PlatformConfig Config(string variable) => PlatformConfig.Parse(
            $"platform:\n  bronze:\n    storage_backend: local\n    local_path: {root}\n    layers:\n      - compress: {{ algorithm: zstd }}\n      - encrypt: {{ key_env: {variable} }}\n",
            "platform.yaml", name => env.GetValueOrDefault(name));

        var store = BronzeStoreFactory.Create(Config("MF_TEST_BRONZE_KEY"));
        Assert.Equal($"zstd → aes-gcm → {root}", store.Backend.Location);
        Assert.DoesNotContain(key, store.Backend.ToString()!);

        var bad = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(Config("MF_TEST_BAD_KEY")));
        Assert.Equal("platform.bronze.layers[1].encrypt.key_env", bad.Key);
        Assert.Contains("256-bit key in base64", bad.Message);
        Assert.Contains("MF_TEST_BAD_KEY", bad.Message);
        Assert.DoesNotContain("c2hvcnQ", bad.Message);

        var missing = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(Config("MF_TEST_UNSET_KEY")));
        Assert.Contains("'MF_TEST_UNSET_KEY', which is not set", missing.Message);

        var absent = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(PlatformConfig.Parse(
            $"platform:\n  bronze:\n    storage_backend: local\n    local_path: {root}\n    layers:\n      - encrypt\n", "platform.yaml")));
        Assert.Contains("key_env", absent.Message);
        Assert.Contains("is required", absent.Message);
    }
}

/// <summary>A 300 MB file through the encrypt layer (and compress + encrypt) keeps the managed heap flat.</summary>
[Collection(LayerMemoryCollection.Name)]
public sealed class EncryptLayerMemoryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData("encrypt")]
    [InlineData("compress+encrypt")]
    public async Task A_300_MB_file_streams_with_flat_memory(string layers)
    {
        var folder = TestData.TempFolder("encrypt-big");
        var source = Path.Combine(folder, "big.bin");
        await using (var file = File.Create(source))
        {
            var block = TestData.Bytes(1 << 20, seed: 5);
            for (var i = 0; i < 300; i++) { block[0] = (byte)i; await file.WriteAsync(block); }
        }
        var root = TestData.TempFolder("encrypt-big-store");
        StorageBackend backend = TestKeys.Encrypt(new LocalBackend(root));
        if (layers.StartsWith("compress")) backend = new CompressLayer(backend);
        await using var store = new BronzeStore(backend, "test");

        var target = Path.Combine(folder, "back.bin");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long peak;
        using (var memory = new PeakManagedMemory())
        {
            await store.UploadFileAsync(source, "big/big.bin");
            await store.DownloadFileAsync("big/big.bin", target);
            peak = memory.Peak;
        }
        output.WriteLine($"{layers}: 300 MiB up and down in {clock.Elapsed.TotalSeconds:0.0} s, peak managed memory +{TestData.MiB(peak)}");

        Assert.Equal(TestData.Sha256File(source), TestData.Sha256File(target));
        Assert.True(peak < 64L << 20, $"managed memory grew by {TestData.MiB(peak)}");
        File.Delete(source);
        File.Delete(target);
        Directory.Delete(root, recursive: true);
    }
}
