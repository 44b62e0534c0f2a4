using System.Text;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Layers;

/// <summary>What the compress layer stores: a header and fewer bytes; plain objects read through; damage is an error.</summary>
public sealed class CompressLayerTests(S3Fixture s3) : IClassFixture<S3Fixture>
{
    /// <summary>Log-like text: compresses well, as real CSV/JSON does.</summary>
    static void WriteText(string path, long bytes)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        var random = new Random(7);
        long written = 0;
        for (var i = 0; written < bytes; i++)
        {
            var line = $"{i},user-{random.Next(50)},2025-01-{1 + i / 100_000 % 28:D2},{(random.Next(8) == 0 ? "retry" : "ok")},{random.Next(10) * 100}\n";
            if (written + line.Length > bytes) line = new string('x', (int)(bytes - written));
            writer.Write(line);
            written += line.Length;
        }
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("gzip")]
    public async Task A_50_MB_text_file_is_stored_in_less_than_a_fifth_and_round_trips(string algorithm)
    {
        var folder = TestData.TempFolder("compress-text");
        var source = Path.Combine(folder, "events.csv");
        WriteText(source, 50L << 20);
        var prefix = S3Fixture.UniquePrefix("compress");
        var raw = s3.CreateBackend(s3.Settings(prefix));
        await using var store = new BronzeStore(new CompressLayer(raw, algorithm), "test");

        var uploaded = await store.UploadFileAsync(source, "logs/events.csv");
        var target = Path.Combine(folder, "back.csv");
        await store.DownloadFileAsync("logs/events.csv", target);

        // The object as another tool reads it from the store.
        var rawFolder = Copy.PeerTools.AwsDownload(s3.Endpoint, s3.Bucket, prefix, S3TestServer.AccessKey, S3TestServer.SecretKey);
        var stored = new FileInfo(Path.Combine(rawFolder, "logs", "events.csv"));
        Assert.True(stored.Length < (50L << 20) / 5, $"{algorithm}: stored {TestData.MiB(stored.Length)} of 50 MiB");
        Assert.Equal("MFCZ"u8.ToArray(), File.ReadAllBytes(stored.FullName)[..4]);
        Assert.Equal(50L << 20, uploaded.Size);
        Assert.Equal(50L << 20, (await store.StatAsync("logs/events.csv"))!.Size);
        Assert.Equal(TestData.Sha256File(source), TestData.Sha256File(target));
    }

    [Fact]
    public async Task The_stored_object_starts_with_the_header_naming_the_algorithm_and_length()
    {
        var root = TestData.TempFolder("compress-header");
        await using var store = new BronzeStore(new CompressLayer(new LocalBackend(root), "gzip"), "test");
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("hello layers ", 1000)));
        await store.UploadAsync(new MemoryStream(data), "a/b.txt");

        var bytes = await File.ReadAllBytesAsync(Path.Combine(root, "a", "b.txt"));
        Assert.Equal("MFCZ"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, bytes[4]); // version
        Assert.Equal(2, bytes[5]); // gzip
        Assert.Equal(data.Length, System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(6, 8)));
        // After the header, a plain gzip member any tool reads.
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes[14..]), System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(data, plain.ToArray());
    }

    [Fact]
    public async Task An_object_written_without_the_layer_reads_through_as_it_is()
    {
        var raw = s3.CreateBackend(s3.Settings(S3Fixture.UniquePrefix("plain")));
        await using var plainStore = new BronzeStore(raw, "plain");
        var data = TestData.Bytes(300_000, seed: 3);
        await plainStore.UploadAsync(new MemoryStream(data), "old/plain.bin");
        await plainStore.UploadAsync(new MemoryStream("tiny"u8.ToArray()), "old/tiny.txt");
        await plainStore.UploadAsync(new MemoryStream(), "old/empty.txt");

        var layered = new BronzeStore(new CompressLayer(raw), "layered");
        var back = new MemoryStream();
        await layered.DownloadAsync("old/plain.bin", back);
        var tiny = new MemoryStream();
        await layered.DownloadAsync("old/tiny.txt", tiny);
        var empty = new MemoryStream();
        await layered.DownloadAsync("old/empty.txt", empty);

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(back.ToArray()));
        Assert.Equal("tiny"u8.ToArray(), tiny.ToArray());
        Assert.Empty(empty.ToArray());
        Assert.Equal(data.Length, (await layered.StatAsync("old/plain.bin"))!.Size);
    }

    [Fact]
    public async Task Damaged_compressed_bytes_fail_the_download_and_leave_no_file()
    {
        var root = TestData.TempFolder("compress-damage");
        await using var store = new BronzeStore(new CompressLayer(new LocalBackend(root)), "test");
        await store.UploadAsync(new MemoryStream(TestData.Bytes(200_000)), "d/x.bin");
        var stored = Path.Combine(root, "d", "x.bin");
        var bytes = await File.ReadAllBytesAsync(stored);
        await File.WriteAllBytesAsync(stored, bytes[..(bytes.Length / 2)]); // truncated

        var target = Path.Combine(TestData.TempFolder("compress-damage-out"), "x.bin");
        await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("d/x.bin", target));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }
}
