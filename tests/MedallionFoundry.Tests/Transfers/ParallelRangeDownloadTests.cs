using System.Security.Cryptography;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Transfers;

/// <summary>The parallel ranged download on its own: ranges served from memory, in a scrambled order.</summary>
public sealed class ParallelRangeDownloadTests
{
    const int Part = 64 * 1024;

    /// <summary>Serves ranges of <paramref name="data"/>; each range waits a little, later parts less, so they finish out of order.</summary>
    sealed class Ranges(byte[] data, int failAtPart = -1, bool shortPart = false)
    {
        public int Opened;
        public readonly System.Collections.Concurrent.ConcurrentQueue<(long Offset, long Length)> Asked = new();

        public async Task<Stream> Open(long offset, long length, CancellationToken cancellationToken)
        {
            Asked.Enqueue((offset, length));
            var index = Interlocked.Increment(ref Opened);
            if (index == failAtPart) throw new StorageTransientException("the connection dropped");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, 40 - 5 * index)), cancellationToken);
            var served = shortPart && index == 2 ? length - 10 : length;
            return new MemoryStream(data, (int)offset, (int)served, writable: false);
        }
    }

    static (string Path, Microsoft.Win32.SafeHandles.SafeFileHandle File) NewTarget()
    {
        var path = Path.Combine(TestData.TempFolder("ranged"), "target.bin");
        return (path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous));
    }

    [Fact]
    public async Task Parts_land_at_their_offsets_and_the_md5_is_that_of_the_whole_object()
    {
        var data = TestData.Bytes(10 * Part + 777, seed: 1);
        var (path, file) = NewTarget();
        var ranges = new Ranges(data);
        var prefixes = new List<long>();
        long progressed = 0;
        byte[]? md5;
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k", data.Length, firstLength: 3 * Part, partSize: Part);
            md5 = await download.RunAsync(new MemoryStream(data, 0, 3 * Part), ranges.Open, concurrency: 4, hash: ContentHashKind.Md5,
                new SyncProgress(n => Interlocked.Add(ref progressed, n)), prefixes.Add, CancellationToken.None);
            Assert.Equal(data.Length, download.Frontier);
        }

        Assert.Equal(8, ranges.Opened); // the first part came with the first body
        Assert.Equal(MD5.HashData(data), md5);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(path));
        Assert.Equal(data.Length, progressed);
        Assert.Equal(prefixes.Order(), prefixes); // the complete prefix only grows
        Assert.Equal(data.Length, prefixes[^1]);
    }

    [Fact]
    public async Task The_fast_hash_is_the_xxh128_of_the_whole_object_whatever_order_the_parts_land_in()
    {
        var data = TestData.Bytes(9 * Part + 5, seed: 2);
        var (path, file) = NewTarget();
        byte[]? digest;
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k", data.Length, firstLength: Part, partSize: Part);
            digest = await download.RunAsync(new MemoryStream(data, 0, Part), new Ranges(data).Open, concurrency: 8, hash: ContentHashKind.Xxh128,
                null, null, CancellationToken.None);
        }

        Assert.Equal(System.IO.Hashing.XxHash128.Hash(data), digest);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Under_md5_the_last_parts_are_asked_for_in_quarters_so_little_is_left_to_hash_after_the_last_byte(bool md5)
    {
        var hash = md5 ? ContentHashKind.Md5 : ContentHashKind.Xxh128;
        const int Mib = 1 << 20, Big = 16 * Mib;
        var data = TestData.Bytes(Mib + 3 * Big + 5, seed: 5);
        var (path, file) = NewTarget();
        var ranges = new Ranges(data);
        byte[]? digest;
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k", data.Length, firstLength: Mib, partSize: Big,
                ParallelRangeDownload.ShortTailPartsFor(hash, concurrency: 2));
            digest = await download.RunAsync(new MemoryStream(data, 0, Mib), ranges.Open, concurrency: 2, hash, null, null, CancellationToken.None);
            Assert.Equal(data.Length, download.Frontier);
        }

        // The uniform parts are 16, 16, 16 MiB and the last 5 bytes; with MD5 the last two of them (2 = the concurrency) are cut in 4 MiB.
        long[] expected = hash == ContentHashKind.Md5 ? [Big, Big, 4 * Mib, 4 * Mib, 4 * Mib, 4 * Mib, 5] : [Big, Big, Big, 5];
        var asked = ranges.Asked.OrderBy(r => r.Offset).ToArray();
        Assert.Equal(expected, asked.Select(r => r.Length));
        Assert.Equal(Mib, asked[0].Offset);
        Assert.All(asked.Zip(asked.Skip(1)), pair => Assert.Equal(pair.First.Offset + pair.First.Length, pair.Second.Offset)); // no gap, no overlap
        Assert.Equal(hash == ContentHashKind.Md5 ? MD5.HashData(data) : System.IO.Hashing.XxHash128.Hash(data), digest);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(path));
    }

    [Fact]
    public async Task Without_a_checksum_to_compare_nothing_is_hashed()
    {
        var data = TestData.Bytes(4 * Part, seed: 2);
        var (path, file) = NewTarget();
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k", data.Length, firstLength: Part, partSize: Part);
            var md5 = await download.RunAsync(new MemoryStream(data, 0, Part), new Ranges(data).Open, 2, hash: ContentHashKind.None, null, null, CancellationToken.None);
            Assert.Null(md5);
        }
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(path));
    }

    [Fact]
    public async Task A_failed_part_leaves_the_file_cut_to_the_prefix_that_is_complete()
    {
        var data = TestData.Bytes(12 * Part, seed: 3);
        var (path, file) = NewTarget();
        var reported = new List<long>();
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k", data.Length, firstLength: Part, partSize: Part);
            await Assert.ThrowsAsync<StorageTransientException>(() =>
                download.RunAsync(new MemoryStream(data, 0, Part), new Ranges(data, failAtPart: 6).Open, 1, hash: ContentHashKind.Md5, null, null, CancellationToken.None));
            download.KeepCompletePrefix(new TransferOptions { PrefixComplete = reported.Add });
            Assert.Equal(6L * Part, download.Frontier); // the first part and 5 ranges landed, one at a time
        }
        Assert.Equal(new[] { 6L * Part }, reported);
        var kept = await File.ReadAllBytesAsync(path);
        Assert.Equal(data.AsSpan(0, 6 * Part).ToArray(), kept);
    }

    [Fact]
    public async Task A_range_that_ends_early_is_an_integrity_error_naming_the_missing_bytes()
    {
        var data = TestData.Bytes(4 * Part, seed: 4);
        var (path, file) = NewTarget();
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k/big.bin", data.Length, firstLength: Part, partSize: Part);
            var error = await Assert.ThrowsAsync<StorageIntegrityException>(() =>
                download.RunAsync(new MemoryStream(data, 0, Part), new Ranges(data, shortPart: true).Open, 1, hash: ContentHashKind.Md5, null, null, CancellationToken.None));
            Assert.Contains("'k/big.bin'", error.Message);
            Assert.Contains($"of {data.Length}", error.Message);
        }
    }

    /// <summary>A body that hands out at most <paramref name="chunk"/> bytes per read, as a network stream does.</summary>
    sealed class Trickle(byte[] data, int length, int chunk) : MemoryStream(data, 0, length, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    [Theory]
    [InlineData("Md5", 600 * 1024 + 3)] // more than two of the download's 256 KiB buffers
    [InlineData("Xxh128", 16 * 1024)]
    [InlineData("Md5", 0)]
    [InlineData("None", 5000)]
    public async Task A_download_of_one_part_is_hashed_as_it_is_written_and_asks_for_no_range(string hashName, int size)
    {
        var hash = Enum.Parse<ContentHashKind>(hashName);
        var data = TestData.Bytes(size, seed: 6);
        var (path, file) = NewTarget();
        var ranges = new Ranges(data);
        var prefixes = new List<long>();
        long progressed = 0;
        byte[]? digest;
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k", data.Length, firstLength: data.Length, partSize: Part);
            Assert.Equal(1, download.PartCount);
            digest = await download.RunAsync(new Trickle(data, data.Length, chunk: 7001), ranges.Open, concurrency: 4, hash,
                new SyncProgress(n => progressed += n), prefixes.Add, CancellationToken.None);
            Assert.Equal(data.Length, download.Frontier);
        }

        Assert.Equal(0, ranges.Opened);
        byte[]? expected = hash switch
        {
            ContentHashKind.Md5 => MD5.HashData(data),
            ContentHashKind.Xxh128 => System.IO.Hashing.XxHash128.Hash(data),
            _ => null,
        };
        Assert.Equal(expected, digest);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(path));
        Assert.Equal(data.Length, progressed);
        Assert.Equal(new[] { (long)data.Length }, prefixes);
    }

    [Fact]
    public async Task A_download_of_one_part_whose_body_ends_early_is_an_integrity_error()
    {
        var data = TestData.Bytes(20_000, seed: 7);
        var (path, file) = NewTarget();
        using (file)
        {
            var download = new ParallelRangeDownload(file, path, "k/small.bin", data.Length, firstLength: data.Length, partSize: Part);
            var error = await Assert.ThrowsAsync<StorageIntegrityException>(() =>
                download.RunAsync(new Trickle(data, 19_000, chunk: 4096), new Ranges(data).Open, 4, ContentHashKind.Md5, null, null, CancellationToken.None));
            Assert.Contains("bytes 19000-19999 of 20000", error.Message);
        }
    }

    sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
