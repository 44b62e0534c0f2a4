using System.IO.Hashing;
using System.Security.Cryptography;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Tests.S3;

/// <summary>The hashes a multipart upload takes before its first part (the whole file's MD5 and XXH3-128,
/// and each part's MD5, read side by side): each must be the hash of exactly its bytes, the last part
/// the shorter one, since the store checks every part against its Content-MD5 and a resume trusts them.</summary>
public sealed class S3UploadHashesTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mf-upload-hashes-").FullName;

    string FileOf(byte[] bytes)
    {
        var path = Path.Combine(_folder, $"f{bytes.Length}.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    static string[] Md5OfSlices(byte[] bytes, int partSize) =>
        Enumerable.Range(0, Math.Max(1, (bytes.Length + partSize - 1) / partSize))
            .Select(i => Convert.ToBase64String(MD5.HashData(bytes.AsSpan(i * partSize, Math.Min(partSize, bytes.Length - i * partSize)))))
            .ToArray();

    [Theory]
    [InlineData(3 * 100_000, 100_000)]      // an exact multiple of the part size
    [InlineData(1_000_003, 300_000)]        // a short last part; parts longer than the read buffer
    [InlineData(50_000, 300_000)]           // one part, shorter than the part size
    public async Task Whole_file_and_part_hashes_are_those_of_their_bytes(int size, int partSize)
    {
        var bytes = Bytes(size);
        var hashes = await S3Integrity.HashFileAndPartsAsync(FileOf(bytes), size, partSize, CancellationToken.None);

        Assert.Equal(MD5.HashData(bytes), hashes.Md5);
        Assert.Equal(XxHash128.Hash(bytes), hashes.Xxh128);
        Assert.Equal(partSize, hashes.PartSize);
        Assert.Equal(Md5OfSlices(bytes, partSize), hashes.PartMd5s);
    }

    [Fact]
    public void A_file_shorter_than_its_size_fails_naming_it()
    {
        var path = FileOf(Bytes(150_000));

        var error = Assert.Throws<IOException>(() => UploadResume.Md5OfParts(path, 200_000, 100_000, CancellationToken.None));

        Assert.Contains(path, error.Message);
        Assert.Contains("150000", error.Message);
    }

    [Fact]
    public async Task A_cancelled_hash_reports_the_cancellation()
    {
        var path = FileOf(Bytes(2_000_000));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => S3Integrity.HashFileAndPartsAsync(path, 2_000_000, 100_000, cancelled.Token));
    }

    [Fact]
    public async Task A_missing_file_is_reported_as_missing_not_as_a_cancellation()
    {
        var path = Path.Combine(_folder, "gone.bin");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => S3Integrity.HashFileAndPartsAsync(path, 1_000_000, 100_000, CancellationToken.None));

        Assert.Contains("gone.bin", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
