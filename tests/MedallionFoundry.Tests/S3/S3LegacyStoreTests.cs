using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// The "legacy S3-compatible store" (s3rver 3.7.1) keeps aws-chunked request bodies verbatim, chunk
/// signatures included. With legacy_unchunked (or over plain http, where bodies are never chunked)
/// the bytes must round-trip exactly; with chunked bodies (https) the corruption must be caught by
/// the integrity check, never handed back silently.
/// </summary>
public sealed class S3LegacyStoreTests(S3LegacyFixture fixture) : IClassFixture<S3LegacyFixture>
{
    BronzeStore Store(bool legacyUnchunked, string purpose, bool forceChunked = false) => new(new S3Backend(fixture.Settings(
        S3Fixture.UniquePrefix(purpose), legacyUnchunked, partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB, forceChunked: forceChunked)));

    [Theory]
    [InlineData(1000)]
    [InlineData(11 * 1024 * 1024 + 7)]
    public async Task On_plain_http_uploads_are_not_chunked_so_the_bytes_round_trip_even_without_legacy_unchunked(int length)
    {
        await using var store = Store(legacyUnchunked: false, "legacy-http");
        var folder = TestData.TempFolder("s3-legacy-http");
        var source = Path.Combine(folder, "source.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(length, seed: length));

        await store.UploadFileAsync(source, "l/file.bin");
        await store.DownloadFileAsync("l/file.bin", Path.Combine(folder, "back.bin"));

        Assert.Equal(TestData.Sha256File(source), TestData.Sha256File(Path.Combine(folder, "back.bin")));
    }

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
    public async Task With_chunked_bodies_the_corruption_is_detected_not_returned(int length)
    {
        await using var store = Store(legacyUnchunked: false, "legacy-bad", forceChunked: true);
        var folder = TestData.TempFolder("s3-legacy-bad");
        var source = Path.Combine(folder, "source.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(length, seed: length));

        // A single PUT is caught at once (its ETag is the MD5 of what was stored); multipart parts on the download.
        var error = length <= 5 * S3Settings.MiB
            ? await Assert.ThrowsAsync<StorageIntegrityException>(() => store.UploadFileAsync(source, "l/file.bin"))
            : await UploadThenDownload();
        async Task<StorageIntegrityException> UploadThenDownload()
        {
            await store.UploadFileAsync(source, "l/file.bin");
            return await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("l/file.bin", Path.Combine(folder, "back.bin")));
        }

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
