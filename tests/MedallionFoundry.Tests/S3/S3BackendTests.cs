using Amazon.S3.Model;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Storage.Resume;
using MedallionFoundry.Sync;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>What the S3 backend must do beyond the contract, against the real S3 test server.</summary>
public sealed class S3BackendTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    static async Task Put(BronzeStore store, string path, byte[] data)
    {
        using var stream = new MemoryStream(data);
        await store.UploadAsync(stream, path);
    }

    [Fact]
    public async Task The_connection_check_is_one_listing_of_one_key_without_a_delimiter()
    {
        var counter = new RequestCounter();
        await using var backend = fixture.CreateBackend(fixture.Settings(S3Fixture.UniquePrefix("check")), counter);

        await backend.CheckAsync(CancellationToken.None);

        // A listing by folder makes some servers group every key below the prefix first.
        var request = Assert.Single(counter.Requests);
        Assert.StartsWith("GET ", request);
        Assert.Contains("max-keys=1", request);
        Assert.DoesNotContain("delimiter", request);
    }

    [Fact]
    public async Task Listing_pages_through_more_than_1000_keys_with_continuation_tokens()
    {
        var counter = new RequestCounter();
        await using var store = new BronzeStore(fixture.CreateBackend(fixture.Settings(S3Fixture.UniquePrefix("pages")), counter));
        var paths = Enumerable.Range(0, 1100).Select(i => $"many/part-{i:D5}.csv").ToList();
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (p, _) => await Put(store, p, "x"u8.ToArray()));

        var pages = new List<int>();
        await foreach (var page in store.ListPagesAsync("many/"))
            pages.Add(page.Objects.Count);
        var listed = new List<string>();
        await foreach (var item in store.ListAsync("many/"))
            listed.Add(item.Path);

        Assert.Equal(new[] { 1000, 100 }, pages);
        Assert.Equal(paths, listed);
        Assert.Equal(4, counter.Count(r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains("list-type=2", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Multipart_upload_of_a_file_larger_than_the_part_size_round_trips()
    {
        var counter = new RequestCounter();
        var settings = fixture.Settings(S3Fixture.UniquePrefix("multipart"), partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB);
        await using var store = new BronzeStore(fixture.CreateBackend(settings, counter));
        var folder = TestData.TempFolder("s3-multipart");
        var source = Path.Combine(folder, "big.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(12 * 1024 * 1024 + 3, seed: 12));
        long reported = 0;

        var uploaded = await store.UploadFileAsync(source, "big/file.bin",
            new UploadOptions { Progress = new SyncProgress(n => Interlocked.Add(ref reported, n)) });
        var target = Path.Combine(folder, "back.bin");
        var downloaded = await store.DownloadFileAsync("big/file.bin", target);

        Assert.Equal(TestData.Sha256File(source), TestData.Sha256File(target));
        Assert.Equal(3, counter.Count(r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains("partNumber=", StringComparison.Ordinal)));
        Assert.Equal(1, counter.Count(r => r.StartsWith("POST ", StringComparison.Ordinal) && r.Contains("?uploads", StringComparison.Ordinal)));
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(source))), downloaded.ContentMD5);
        Assert.Equal(new FileInfo(source).Length, reported);
    }

    [Fact]
    public async Task Cancelled_multipart_upload_is_kept_for_resume_never_completed_and_clearing_aborts_it()
    {
        var settings = fixture.Settings(S3Fixture.UniquePrefix("abort"), partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB);
        var counter = new RequestCounter();
        await using var store = new BronzeStore(fixture.CreateBackend(settings, counter));
        var source = Path.Combine(TestData.TempFolder("s3-abort"), "big.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(15 * 1024 * 1024));
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(_ => cancel.Cancel()); // cancel as soon as the first bytes move

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.UploadFileAsync(source, "big/aborted.bin", new UploadOptions { Progress = progress }, cancel.Token));

        int Aborts() => counter.Count(r => r.StartsWith("DELETE ", StringComparison.Ordinal) && r.Contains("uploadId=", StringComparison.Ordinal));
        Assert.Null(await store.StatAsync("big/aborted.bin"));
        Assert.Equal(0, counter.Count(r => r.StartsWith("POST ", StringComparison.Ordinal) && r.Contains("uploadId=", StringComparison.Ordinal))); // never completed
        Assert.Equal(0, Aborts()); // Ctrl+C leaves a resumable upload (issue 16), not an aborted one
        var key = store.KeyFor("big/aborted.bin");
        var transfer = Assert.Single(ResumableTransfers.List(), t => t.Key == key);

        // @20minutes/s3rver 5.0 answers the abort with 405 (and has no ListMultipartUploads): check that the abort was sent.
        await ResumableTransfers.ClearAsync(transfer, store.Backend, CancellationToken.None);
        Assert.Equal(1, Aborts());
        Assert.DoesNotContain(ResumableTransfers.List(), t => t.Key == key);
    }

    [Fact]
    public async Task Deleting_2500_keys_sends_3_DeleteObjects_requests()
    {
        var counter = new RequestCounter();
        await using var store = new BronzeStore(fixture.CreateBackend(fixture.Settings(S3Fixture.UniquePrefix("delete")), counter));
        var paths = Enumerable.Range(0, 2500).Select(i => $"del/part-{i:D5}.csv").ToList();
        await Parallel.ForEachAsync(paths.Where((_, i) => i % 100 == 0), async (p, _) => await Put(store, p, "x"u8.ToArray()));
        await Put(store, "keep/me.csv", "k"u8.ToArray());

        var batches = new List<int>();
        var failures = await store.DeleteManyAsync(paths, batches.Add);

        Assert.Empty(failures);
        Assert.Equal(new[] { 1000, 1000, 500 }, batches);
        Assert.Equal(3, counter.DeleteObjectsRequests);
        var left = new List<string>();
        await foreach (var item in store.ListAsync("")) left.Add(item.Path);
        Assert.Equal(new[] { "keep/me.csv" }, left);
    }

    [Fact]
    public async Task Wrong_credentials_are_access_denied_after_one_request_each()
    {
        var counter = new RequestCounter();
        var settings = fixture.Settings(S3Fixture.UniquePrefix("denied"));
        settings = new S3Settings
        {
            Bucket = settings.Bucket, Prefix = settings.Prefix, EndpointUrl = settings.EndpointUrl, ForcePathStyle = true,
            ChecksumMode = S3ChecksumMode.WhenRequired, AccessKey = "NOT-A-KEY", SecretKey = "not-the-secret",
        };
        await using var store = new BronzeStore(fixture.CreateBackend(settings, counter));
        var started = DateTime.UtcNow;

        var upload = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => Put(store, "x/file.csv", "x"u8.ToArray()));
        var download = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.DownloadAsync("x/file.csv", new MemoryStream()));
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => { await foreach (var _ in store.ListAsync("x/")) { } });

        Assert.Equal(3, counter.Requests.Count); // no SDK retries for access denied: one request per call
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Contains("x/file.csv", upload.Message);
        Assert.DoesNotContain("not-the-secret", upload.Message + download.Message);
    }

    [Fact]
    public async Task A_missing_bucket_is_container_not_found_naming_the_bucket()
    {
        var settings = fixture.Settings("p");
        var missing = $"mf-missing-{Guid.NewGuid():N}"[..20];
        settings = new S3Settings
        {
            Bucket = missing, EndpointUrl = settings.EndpointUrl, ForcePathStyle = true, ChecksumMode = S3ChecksumMode.WhenRequired,
            AccessKey = settings.AccessKey, SecretKey = settings.SecretKey,
        };
        await using var store = new BronzeStore(new S3Backend(settings));

        var upload = await Assert.ThrowsAsync<StorageContainerNotFoundException>(() => Put(store, "a.csv", "a"u8.ToArray()));
        var list = await Assert.ThrowsAsync<StorageContainerNotFoundException>(async () => { await foreach (var _ in store.ListAsync("")) { } });
        var download = await Assert.ThrowsAsync<StorageContainerNotFoundException>(() => store.DownloadAsync("a.csv", new MemoryStream()));

        Assert.All(new[] { upload, list, download }, e => Assert.Contains($"'{missing}'", e.Message));
        Assert.Equal(missing, list.Path);
    }

    [Fact]
    public async Task Uploads_store_their_md5_and_downloads_fill_etag_and_content_md5()
    {
        await using var store = await fixture.CreateStoreAsync();
        var data = TestData.Bytes(4096, seed: 7);
        var md5 = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data));

        var uploaded = await store.UploadAsync(new MemoryStream(data), "m/file.bin");
        var stat = await store.StatAsync("m/file.bin");
        var listed = new List<RemoteObject>();
        await foreach (var item in store.ListAsync("m/")) listed.Add(item);

        Assert.Equal(md5, uploaded.ContentMD5);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.MD5.HashData(data)).ToLowerInvariant(), uploaded.ETag);
        Assert.Equal(md5, stat!.ContentMD5);
        Assert.Equal(uploaded.ETag, Assert.Single(listed).ETag);
    }

    [Theory]
    [InlineData("mf-md5")] // ours
    [InlineData("md5chksum")] // rclone's, on the files it uploads in parts (their ETag is no MD5)
    public async Task A_corrupted_object_is_an_integrity_error_and_no_file_is_left(string md5Metadata)
    {
        await using var backend = fixture.CreateBackend(fixture.Settings(S3Fixture.UniquePrefix("corrupt")));
        await using var store = new BronzeStore(backend);
        // Another writer stores bytes whose metadata MD5 does not match them.
        var request = new PutObjectRequest { BucketName = fixture.Bucket, Key = store.KeyFor("c/file.bin"), ContentBody = "corrupted", UseChunkEncoding = false };
        request.Metadata.Add(md5Metadata, Convert.ToBase64String(System.Security.Cryptography.MD5.HashData("original"u8.ToArray())));
        await backend.Client.PutObjectAsync(request);
        var folder = TestData.TempFolder("s3-corrupt");

        var error = await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("c/file.bin", Path.Combine(folder, "file.bin")));

        Assert.Contains("c/file.bin", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public async Task A_multipart_upload_stores_the_xxh128_of_its_bytes_and_a_parallel_download_checks_it()
    {
        var settings = fixture.Settings(S3Fixture.UniquePrefix("xxh"), partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB);
        await using var backend = fixture.CreateBackend(settings);
        await using var store = new BronzeStore(backend);
        var folder = TestData.TempFolder("s3-xxh");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(11 * 1024 * 1024 + 3, seed: 12);
        await File.WriteAllBytesAsync(source, data);
        await store.UploadFileAsync(source, "x/big.bin");
        var xxh128 = Convert.ToHexString(System.IO.Hashing.XxHash128.Hash(data)).ToLowerInvariant();
        var head = await backend.Client.GetObjectMetadataAsync(fixture.Bucket, store.KeyFor("x/big.bin"));

        Assert.Equal(xxh128, head.Metadata[S3Integrity.Xxh128MetadataHeader]);
        await store.DownloadFileAsync("x/big.bin", Path.Combine(folder, "back.bin"));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(Path.Combine(folder, "back.bin")));

        // Another writer stores the same bytes with the right MD5 but another XXH128: the download checks the XXH128.
        var request = new PutObjectRequest { BucketName = fixture.Bucket, Key = store.KeyFor("x/other.bin"), FilePath = source, UseChunkEncoding = false };
        request.Metadata.Add(S3Integrity.MetadataName, Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data)));
        request.Metadata.Add(S3Integrity.Xxh128MetadataName, Convert.ToHexString(System.IO.Hashing.XxHash128.Hash("other bytes"u8)).ToLowerInvariant());
        await backend.Client.PutObjectAsync(request);
        var error = await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadFileAsync("x/other.bin", Path.Combine(folder, "other.bin")));

        Assert.Contains("x/other.bin", error.Message);
        Assert.Contains("XXH128", error.Message);
        Assert.False(File.Exists(Path.Combine(folder, "other.bin")));
    }

    [Fact]
    public async Task A_large_download_is_one_get_then_parallel_ranged_gets_and_is_verified_against_the_stored_md5()
    {
        var counter = new RequestCounter();
        var settings = fixture.Settings(S3Fixture.UniquePrefix("ranged"), partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB);
        await using var store = new BronzeStore(fixture.CreateBackend(settings, counter));
        var folder = TestData.TempFolder("s3-ranged");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(40 * 1024 * 1024 + 5, seed: 8);
        await File.WriteAllBytesAsync(source, data);
        await store.UploadFileAsync(source, "r/big.bin");
        var before = counter.Requests.Count;

        var downloaded = await store.DownloadFileAsync("r/big.bin", Path.Combine(folder, "back.bin"));

        var gets = counter.Requests.Skip(before).Where(r => r.StartsWith("GET ", StringComparison.Ordinal)).ToList();
        Assert.Equal(counter.Requests.Count - before, gets.Count); // no stat first
        Assert.Equal(8, gets.Count); // two parts per request in flight (4): 8 parts, the first from the first GET
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(Path.Combine(folder, "back.bin")));
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data)), downloaded.ContentMD5);
        Assert.Equal(new[] { "back.bin", "big.bin" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_large_download_checked_by_md5_asks_for_its_last_parts_in_quarters()
    {
        const int Mib = 1 << 20;
        var counter = new RequestCounter();
        var settings = fixture.Settings(S3Fixture.UniquePrefix("md5tail"), partSize: 16 * S3Settings.MiB, multipartThreshold: 16 * S3Settings.MiB);
        await using var backend = fixture.CreateBackend(settings, counter);
        await using var store = new BronzeStore(backend);
        var folder = TestData.TempFolder("s3-md5tail");
        var source = Path.Combine(folder, "other.bin");
        var data = TestData.Bytes(16 * Mib + 64 * Mib, seed: 21);
        await File.WriteAllBytesAsync(source, data);
        // Another tool's single PUT: its ETag is the MD5, and it carries no XXH128 of ours.
        await backend.Client.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Bucket, Key = store.KeyFor("t/other.bin"), FilePath = source, UseChunkEncoding = false });
        var before = counter.Ranges.Count;

        await store.DownloadFileAsync("t/other.bin", Path.Combine(folder, "back.bin"));

        // The first GET asks for one part (16 MiB); the 4 parts of 16 MiB after it (4 in flight) come in 16 ranges of 4 MiB.
        var lengths = counter.Ranges.Skip(before).Select(r => r["bytes=".Length..].Split('-')).Select(b => long.Parse(b[1]) - long.Parse(b[0]) + 1).ToList();
        Assert.Equal([16L * Mib, .. Enumerable.Repeat(4L * Mib, 16)], lengths.Order().Reverse().ToList());
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(Path.Combine(folder, "back.bin")));
    }

    [Theory]
    [InlineData(true, 8)] // part_size not set: two parts per request in flight (4), whatever the file's size
    [InlineData(false, 10)] // part_size set: kept as it is
    public async Task An_unset_part_size_grows_with_the_file_and_sync_knows_the_part_size_it_gives(bool growsWithFile, int expectedParts)
    {
        var counter = new RequestCounter();
        var settings = fixture.Settings(S3Fixture.UniquePrefix("partsize"), partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB,
            partSizeGrowsWithFile: growsWithFile);
        await using var store = new BronzeStore(fixture.CreateBackend(settings, counter));
        var folder = TestData.TempFolder("s3-partsize");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(50 * 1024 * 1024, seed: 21);
        await File.WriteAllBytesAsync(source, data);

        await store.UploadFileAsync(source, "p/big.bin");

        Assert.Equal(expectedParts, counter.Count(r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains("partNumber=", StringComparison.Ordinal)));
        var back = Path.Combine(TestData.TempFolder("s3-partsize-back"), "big.bin");
        await store.DownloadFileAsync("p/big.bin", back);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(back));
        // On AWS a listing gives "md5-of-md5s-N" for a multipart object, and sync recomputes it locally with
        // the part size that made it: the connection offers that size among its candidates (this server's
        // multipart ETags are plain MD5s, so the candidates are asked for directly).
        var partSize = settings.UploadPartSizeFor(data.Length);
        Assert.Equal(expectedParts, (data.Length + partSize - 1) / partSize);
        Assert.Contains(partSize, RemoteHash.PartSizesFor(data.Length, expectedParts, new RemoteFolder(store, "p/").PartSizesFor(data.Length)));
    }

    [Fact]
    public async Task Refusing_to_overwrite_a_multipart_upload_keeps_the_old_object()
    {
        var settings = fixture.Settings(S3Fixture.UniquePrefix("nooverwrite"), partSize: 5 * S3Settings.MiB, multipartThreshold: 5 * S3Settings.MiB);
        await using var store = new BronzeStore(fixture.CreateBackend(settings));
        await Put(store, "o/file.bin", "old"u8.ToArray());
        var source = Path.Combine(TestData.TempFolder("s3-nooverwrite"), "big.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(6 * 1024 * 1024));

        await Assert.ThrowsAsync<StorageConflictException>(() => store.UploadFileAsync(source, "o/file.bin", new UploadOptions { Overwrite = false }));

        var back = new MemoryStream();
        await store.DownloadAsync("o/file.bin", back);
        Assert.Equal("old"u8.ToArray(), back.ToArray());
    }

    /// <summary>Progress that runs inline (Progress&lt;T&gt; posts to the thread pool, too late for asserts).</summary>
    sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
