using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// The "legacy S3-compatible store" (s3rver 3.7.1) keeps aws-chunked request bodies verbatim, chunk
/// signatures included. With legacy_unchunked the bytes must round-trip exactly; without it the
/// corruption must be caught by the integrity check, never handed back silently.
/// </summary>
public sealed class S3LegacyStoreTests(S3LegacyFixture fixture) : IClassFixture<S3LegacyFixture>
{
    BronzeStore Store(bool legacyUnchunked, string purpose) => new(new S3Backend(fixture.Settings(
        S3Fixture.UniquePrefix(purpose), legacyUnchunked, partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB)));

    [Theory]
    [InlineData(1000)]
    [InlineData(11 * 1024 * 1024 + 7)] // multipart: 3 parts
    public async Task With_legacy_unchunked_the_bytes_round_trip_exactly(int length)
    {
        await using var store = Store(legacyUnchunked: true, "legacy-ok");
        var folder = TestData.TempFolder("s3-legacy-ok");
        var source = Path.Combine(folder, "source.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(length, seed: length));

        await store.UploadFileAsync(source, "l/file.bin");
        await store.DownloadFileAsync("l/file.bin", Path.Combine(folder, "back.bin"));

        Assert.Equal(TestData.Sha256File(source), TestData.Sha256File(Path.Combine(folder, "back.bin")));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(11 * 1024 * 1024 + 7)]
    public async Task Without_legacy_unchunked_the_corruption_is_detected_not_returned(int length)
    {
        await using var store = Store(legacyUnchunked: false, "legacy-bad");
        var folder = TestData.TempFolder("s3-legacy-bad");
        var source = Path.Combine(folder, "source.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(length, seed: length));
        await store.UploadFileAsync(source, "l/file.bin");

        var error = await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("l/file.bin", Path.Combine(folder, "back.bin")));

        Assert.Contains("legacy_unchunked", error.Message);
        Assert.False(File.Exists(Path.Combine(folder, "back.bin")));
        // The raw object really is the chunk-framed body: what a reader without the check would get.
        var raw = new MemoryStream();
        await using var plain = new S3Backend(fixture.Settings(""));
        using var response = await plain.Client.GetObjectAsync(fixture.Bucket, store.KeyFor("l/file.bin"));
        await response.ResponseStream.CopyToAsync(raw);
        Assert.Contains(";chunk-signature=", System.Text.Encoding.ASCII.GetString(raw.ToArray(), 0, 100));
    }
}
