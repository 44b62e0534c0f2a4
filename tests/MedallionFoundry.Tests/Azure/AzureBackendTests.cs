using MedallionFoundry.Backends.Azure;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using MedallionFoundry.Backends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>What only the Azure backend has: batch deletes, block uploads, SAS permissions,
/// missing containers, Content-MD5 integrity. Against Azurite.</summary>
public sealed class AzureBackendTests(AzureConnectionStringFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AzureConnectionStringFixture>
{
    static async Task Put(BronzeStore store, string path, byte[] data)
    {
        using var stream = new MemoryStream(data);
        await store.UploadAsync(stream, path);
    }

    static async Task<List<RemoteObject>> All(BronzeStore store, string prefix)
    {
        var items = new List<RemoteObject>();
        await foreach (var item in store.ListAsync(prefix)) items.Add(item);
        return items;
    }

    [Theory]
    [InlineData(AzureTestAuth.ConnectionString, 1000)]
    [InlineData(AzureTestAuth.AccountKey, 600)]
    [InlineData(AzureTestAuth.Sas, 600)]
    public async Task Deleting_many_blobs_takes_one_batch_request_per_256(AzureTestAuth auth, int count)
    {
        var counter = new RequestCounter();
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("batch"), auth), counter);
        var paths = Enumerable.Range(0, count).Select(i => $"many/part-{i:D4}.csv").ToList();
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (p, _) => await Put(store, p, "x"u8.ToArray()));
        await Put(store, "kept/one.csv", "k"u8.ToArray());
        counter.Reset();
        // The missing file below rides along; a batch that is slow per blob (a loaded machine) may
        // cost one timed probe of single deletes, to compare (BlobBatchDeleter).
        var expected = (count + 1 + 255) / 256 + BlobBatchDeleter.ProbeSize;

        var failures = await store.DeleteManyAsync(paths.Append("many/never-existed.csv"));

        Assert.Empty(failures);
        output.WriteLine($"{auth}: deleting {count + 1} blobs took {counter.Count} requests");
        Assert.True(counter.Count <= expected, $"expected at most {expected} requests, got {counter.Count}: {string.Join(", ", counter.Requests.Distinct())}");
        var batches = counter.Requests.Count(r => r.Contains("comp=batch"));
        Assert.InRange(batches, 1, (count + 1 + 255) / 256);
        Assert.InRange(counter.Count - batches, 0, BlobBatchDeleter.ProbeSize); // at most the probe goes one by one
        Assert.Empty(await All(store, "many/"));
        Assert.Equal(new[] { "kept/one.csv" }, (await All(store, "")).Select(o => o.Path));
    }

    [Fact]
    public async Task Batch_delete_reports_a_per_blob_failure_naming_the_blob_and_deletes_the_rest()
    {
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("leased"), AzureTestAuth.ConnectionString));
        await Put(store, "l/free.csv", "f"u8.ToArray());
        await Put(store, "l/leased.csv", "l"u8.ToArray());
        // A leased blob cannot be deleted without its lease id: the service refuses that one sub-request.
        var lease = AzuriteServer.AdminContainer(fixture.Container).GetBlobClient(store.KeyFor("l/leased.csv"));
        await global::Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(lease).AcquireAsync(TimeSpan.FromSeconds(60));

        var failures = await store.DeleteManyAsync(new[] { "l/free.csv", "l/leased.csv" });

        var failure = Assert.Single(failures);
        Assert.Equal("l/leased.csv", failure.Key);
        Assert.IsType<StorageConflictException>(failure.Error);
        Assert.Contains("l/leased.csv", failure.Error.Message);
        Assert.Null(await store.StatAsync("l/free.csv"));
        Assert.NotNull(await store.StatAsync("l/leased.csv"));
    }

    [Fact]
    public async Task The_connection_check_is_one_listing_of_one_blob_without_a_delimiter()
    {
        var counter = new RequestCounter();
        await using var backend = AzureTestConfig.Backend(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("check"), AzureTestAuth.ConnectionString), counter);

        await backend.CheckAsync(CancellationToken.None);

        // A listing by folder made Azurite group 10,000 blobs for minutes before it answered.
        var request = Assert.Single(counter.Requests);
        Assert.Contains("comp=list", request);
        Assert.Contains("maxresults=1", request);
        Assert.DoesNotContain("delimiter", request);
    }

    [Fact]
    public async Task A_multi_block_blob_round_trips_with_its_content_md5()
    {
        var counter = new RequestCounter();
        var config = AzureTestConfig.Build(fixture.Container, TestData.UniqueName("blocks"), AzureTestAuth.ConnectionString,
            new Dictionary<string, object?> { ["transfer_size"] = "1MiB", ["initial_transfer_size"] = "1MiB", ["max_concurrency"] = "4" });
        await using var store = AzureTestConfig.Store(config, counter);
        var folder = TestData.TempFolder("azure-blocks");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(5 * 1024 * 1024 + 123, seed: 7);
        await File.WriteAllBytesAsync(source, data);

        var uploaded = await store.UploadFileAsync(source, "big/file.bin");
        var blocks = counter.CountWhere(r => r.Contains("comp=block") && !r.Contains("blocklist"));
        counter.Reset();
        var target = Path.Combine(folder, "back.bin");
        var downloaded = await store.DownloadFileAsync("big/file.bin", target);
        var ranges = counter.CountWhere(r => r.StartsWith("GET"));

        Assert.Equal(6, blocks);
        Assert.True(ranges >= 5, $"expected a ranged parallel download, got {ranges} GETs");
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(target));
        var md5 = Convert.ToBase64String(MD5.HashData(data));
        Assert.Equal(md5, uploaded.ContentMD5);
        Assert.Equal(md5, downloaded.ContentMD5);
        Assert.Equal(md5, (await store.StatAsync("big/file.bin"))!.ContentMD5);
        Assert.Equal(data.Length, downloaded.Size);
    }

    [Theory]
    [InlineData(null, 8)] // transfer_size not set: two blocks per request in flight (4), whatever the file's size
    [InlineData("4MiB", 10)] // transfer_size set: kept as it is
    public async Task An_unset_transfer_size_grows_the_blocks_with_the_file(string? transferSize, int expectedBlocks)
    {
        var counter = new RequestCounter();
        var options = transferSize is null ? null : new Dictionary<string, object?> { ["transfer_size"] = transferSize };
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("blocksize"), AzureTestAuth.ConnectionString, options), counter);
        var folder = TestData.TempFolder("azure-blocksize");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(40 * 1024 * 1024, seed: 17);
        await File.WriteAllBytesAsync(source, data);

        await store.UploadFileAsync(source, "b/big.bin");

        Assert.Equal(expectedBlocks, counter.CountWhere(r => r.Contains("comp=block") && !r.Contains("blocklist")));
        var back = Path.Combine(folder, "back.bin");
        await store.DownloadFileAsync("b/big.bin", back);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(back));
    }

    [Fact]
    public async Task A_forward_only_stream_upload_records_the_content_md5()
    {
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("fwd"), AzureTestAuth.ConnectionString));
        var data = TestData.Bytes(300_000, seed: 3);

        var uploaded = await store.UploadAsync(new ForwardOnlyStream(data), "fwd/data.bin");

        var md5 = Convert.ToBase64String(MD5.HashData(data));
        Assert.Equal(md5, uploaded.ContentMD5);
        Assert.Equal(md5, (await store.StatAsync("fwd/data.bin"))!.ContentMD5);
        Assert.Equal(data.Length, uploaded.Size);
    }

    [Fact]
    public async Task A_block_upload_stores_the_xxh128_of_its_bytes_and_a_parallel_download_checks_it()
    {
        var config = AzureTestConfig.Build(fixture.Container, TestData.UniqueName("xxh"), AzureTestAuth.ConnectionString,
            new Dictionary<string, object?> { ["transfer_size"] = "1MiB", ["initial_transfer_size"] = "1MiB" });
        await using var store = AzureTestConfig.Store(config);
        var folder = TestData.TempFolder("azure-xxh");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(3 * 1024 * 1024 + 7, seed: 11);
        await File.WriteAllBytesAsync(source, data);
        await store.UploadFileAsync(source, "x/big.bin");
        var blob = AzuriteServer.AdminContainer(fixture.Container).GetBlobClient(store.KeyFor("x/big.bin"));
        var stored = (await blob.GetPropertiesAsync()).Value.Metadata;

        Assert.Equal(Convert.ToHexString(System.IO.Hashing.XxHash128.Hash(data)).ToLowerInvariant(), stored[AzureBlockUpload.Xxh128Metadata]);
        await store.DownloadFileAsync("x/big.bin", Path.Combine(folder, "back.bin"));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(Path.Combine(folder, "back.bin")));

        // The same bytes and Content-MD5, but another XXH128 recorded: the download checks the XXH128.
        stored[AzureBlockUpload.Xxh128Metadata] = Convert.ToHexString(System.IO.Hashing.XxHash128.Hash("other bytes"u8)).ToLowerInvariant();
        await blob.SetMetadataAsync(stored);
        var error = await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("x/big.bin", Path.Combine(folder, "again.bin")));

        Assert.Contains("x/big.bin", error.Message);
        Assert.Contains("XXH128", error.Message);
        Assert.False(File.Exists(Path.Combine(folder, "again.bin")));
    }

    [Fact]
    public async Task A_download_whose_bytes_do_not_match_the_content_md5_fails_and_leaves_no_file()
    {
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("md5"), AzureTestAuth.ConnectionString));
        await Put(store, "bad/file.csv", "the real bytes"u8.ToArray());
        var blob = AzuriteServer.AdminContainer(fixture.Container).GetBlobClient(store.KeyFor("bad/file.csv"));
        await blob.SetHttpHeadersAsync(new BlobHttpHeaders { ContentHash = MD5.HashData("other bytes"u8.ToArray()) });
        var folder = TestData.TempFolder("azure-md5");

        var error = await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("bad/file.csv", Path.Combine(folder, "file.csv")));

        Assert.Contains("bad/file.csv", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public async Task A_read_and_list_sas_cannot_upload_and_the_error_names_the_path()
    {
        var container = AzuriteServer.NewContainer("readonly");
        var config = AzureTestConfig.Build(container, "ro", AzureTestAuth.Sas, sasPermissions: BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List);
        await using var store = AzureTestConfig.Store(config);
        await AzuriteServer.AdminContainer(container).UploadBlobAsync("ro/existing.csv", new BinaryData("e"u8.ToArray()));
        await AzuriteServer.AdminContainer(container).UploadBlobAsync("ro/second.csv", new BinaryData("s"u8.ToArray()));

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => Put(store, "system=api/new.csv", "n"u8.ToArray()));

        Assert.Contains("system=api/new.csv", error.Message);
        Assert.Equal("ro/system=api/new.csv", error.Path);
        // What the SAS does allow still works.
        Assert.Equal(new[] { "existing.csv", "second.csv" }, (await All(store, "")).Select(o => o.Path));
        using var back = new MemoryStream();
        await store.DownloadAsync("existing.csv", back);
        Assert.Equal("e"u8.ToArray(), back.ToArray());
        // Deletes are refused per file, each failure naming its file, never silently.
        var failures = await store.DeleteManyAsync(new[] { "existing.csv", "second.csv" });
        Assert.Equal(new[] { "existing.csv", "second.csv" }, failures.Select(f => f.Key).Order(StringComparer.Ordinal));
        Assert.All(failures, f => Assert.IsType<StorageAccessDeniedException>(f.Error));
        Assert.All(failures, f => Assert.Contains(f.Key, f.Error.Message));
        Assert.Equal(2, (await All(store, "")).Count);
    }

    [Fact]
    public async Task A_missing_container_is_a_clear_error_naming_it_and_is_not_created()
    {
        var missing = $"mf-missing-{Guid.NewGuid():N}"[..30];
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(missing, "", AzureTestAuth.ConnectionString));

        var upload = await Assert.ThrowsAsync<StorageContainerNotFoundException>(() => Put(store, "a.csv", "a"u8.ToArray()));
        var list = await Assert.ThrowsAsync<StorageContainerNotFoundException>(() => All(store, ""));
        var stat = await Assert.ThrowsAsync<StorageContainerNotFoundException>(() => store.StatAsync("a.csv"));

        Assert.Contains($"'{missing}'", upload.Message);
        Assert.Equal(missing, list.Path);
        Assert.Contains("create_container", stat.Message);
        Assert.False((await AzuriteServer.AdminContainer(missing).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Create_container_true_creates_the_missing_container()
    {
        var missing = $"mf-create-{Guid.NewGuid():N}"[..30];
        var config = AzureTestConfig.Build(missing, "p", AzureTestAuth.ConnectionString, new Dictionary<string, object?> { ["create_container"] = "true" });
        await using var store = AzureTestConfig.Store(config);

        await Put(store, "a.csv", "a"u8.ToArray());

        Assert.True((await AzuriteServer.AdminContainer(missing).ExistsAsync()).Value);
        Assert.Equal(new[] { "a.csv" }, (await All(store, "")).Select(o => o.Path));
    }

    [Fact]
    public async Task Location_names_the_account_container_and_prefix_and_never_a_secret()
    {
        var sas = BronzeStoreFactory.Create(AzureTestConfig.Build(fixture.Container, "loc/p", AzureTestAuth.Sas));
        var conn = BronzeStoreFactory.Create(AzureTestConfig.Build(fixture.Container, "loc/p", AzureTestAuth.ConnectionString));

        Assert.Equal($"{AzuriteServer.BlobEndpoint}/{fixture.Container}/loc/p", sas.Backend.Location);
        Assert.Equal($"{AzuriteServer.BlobEndpoint}/{fixture.Container}/loc/p", conn.Backend.Location);
        Assert.DoesNotContain("sig=", sas.Backend.Location);
        Assert.DoesNotContain(AzuriteServer.Key, conn.Backend.Location);
        Assert.Equal("loc/p", sas.Prefix);
        await sas.DisposeAsync();
        await conn.DisposeAsync();
    }

    [Fact]
    public async Task A_pinned_service_version_is_sent()
    {
        var counter = new HeaderRecorder("x-ms-version");
        var config = AzureTestConfig.Build(fixture.Container, TestData.UniqueName("ver"), AzureTestAuth.ConnectionString,
            new Dictionary<string, object?> { ["service_version"] = "2025-11-05" });
        await using var store = AzureTestConfig.Store(config, counter);

        await Put(store, "v.csv", "v"u8.ToArray());

        Assert.All(counter.Values, v => Assert.Equal("2025-11-05", v));
        Assert.NotEmpty(counter.Values);
    }

    /// <summary>stall_timeout is the one idle limit on a body: the SDK does not wrap the download's body in a
    /// stream of its own that arms a timer on every read (its NetworkTimeout would also cut a longer stall_timeout at 100 s).</summary>
    [Fact]
    public async Task A_download_body_reaches_us_without_the_SDKs_read_timeout_wrapper()
    {
        var bodies = new BodyRecorder();
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("body"), AzureTestAuth.ConnectionString), bodies);
        var data = TestData.Bytes(300_000);
        await Put(store, "b/file.bin", data);

        using var copy = new MemoryStream();
        await store.DownloadAsync("b/file.bin", copy);

        Assert.Equal(data, copy.ToArray());
        Assert.NotEmpty(bodies.Types);
        Assert.DoesNotContain("ReadTimeoutStream", bodies.Types);
    }

    /// <summary>The type of every response body as the pipeline hands it on.</summary>
    sealed class BodyRecorder : global::Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        readonly System.Collections.Concurrent.ConcurrentQueue<string> _types = new();
        public IReadOnlyList<string> Types => _types.ToList();
        public override void OnReceivedResponse(global::Azure.Core.HttpMessage message)
        {
            if (message.Response.ContentStream is { } body) _types.Enqueue(body.GetType().Name);
        }
    }

    /// <summary>A stream that cannot seek or report its length (like a network or pipe stream).</summary>
    sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    sealed class HeaderRecorder(string header) : global::Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        readonly System.Collections.Concurrent.ConcurrentQueue<string> _values = new();
        public IReadOnlyList<string> Values => _values.ToList();
        public override void OnSendingRequest(global::Azure.Core.HttpMessage message)
        {
            if (message.Request.Headers.TryGetValue(header, out var value)) _values.Enqueue(value!);
        }
    }
}
