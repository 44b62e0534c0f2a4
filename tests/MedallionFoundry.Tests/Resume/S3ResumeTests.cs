using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Storage.Resume;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Resume;

/// <summary>Resumable S3 multipart uploads against the S3 test server, interrupted by cancellation
/// (what Ctrl+C does): the next upload sends only the parts that did not land.</summary>
[Collection(ResumeStates.Collection)]
public sealed class S3ResumeTests(S3Fixture fixture, ResumeStates states, ITestOutputHelper output) : IClassFixture<S3Fixture>
{
    const int Part = 5 << 20;

    (BronzeStore Store, RequestCounter Counter) Connect(string prefix, int concurrency = 1)
    {
        var counter = new RequestCounter();
        var settings = new S3Settings
        {
            Bucket = fixture.Bucket,
            Prefix = prefix,
            EndpointUrl = new Uri(fixture.Endpoint),
            ForcePathStyle = true,
            ChecksumMode = S3ChecksumMode.WhenRequired,
            PartSize = Part,
            MultipartThreshold = Part,
            MaxConcurrency = concurrency, // 1: parts land one after the other, the cancellation falls between two
            AccessKey = S3TestServer.AccessKey,
            SecretKey = S3TestServer.SecretKey,
        };
        return (new BronzeStore(fixture.CreateBackend(settings, counter), "test"), counter);
    }

    /// <summary>This test's states (tests of other classes may write theirs into the same folder meanwhile).</summary>
    static IEnumerable<TransferState> StatesOf(string prefix) => TransferStates.All().Where(s => s.Key.StartsWith(prefix + "/", StringComparison.Ordinal));

    static int PartUploads(RequestCounter counter) => counter.Count(r => r.StartsWith("PUT ") && r.Contains("partNumber="));

    /// <summary>Uploads <paramref name="local"/> and cancels (as Ctrl+C does) once two parts are sent.</summary>
    async Task<RequestCounter> UploadCancelledAfterTwoParts(string prefix, string local)
    {
        var (store, counter) = Connect(prefix);
        await using (store)
        {
            using var cancel = new CancellationTokenSource();
            long sent = 0;
            var progress = new SyncProgress(n => { if (Interlocked.Add(ref sent, n) >= 2L * Part + 1) cancel.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                store.UploadFileAsync(local, "big.bin", new UploadOptions { Progress = progress }, cancel.Token));
        }
        return counter;
    }

    [Fact]
    public async Task A_cancelled_multipart_upload_resumes_sending_only_the_missing_parts()
    {
        var prefix = S3Fixture.UniquePrefix("resume");
        var local = states.NewFile(4 * Part, seed: 3);
        var firstCounter = await UploadCancelledAfterTwoParts(prefix, local);
        var state = Assert.Single(StatesOf(prefix));
        Assert.Equal(new[] { 1, 2 }, state.Parts.Keys);
        Assert.DoesNotContain(S3TestServer.SecretKey, File.ReadAllText(state.FilePath!));

        var (second, counter) = Connect(prefix);
        await using (second)
        {
            await second.UploadFileAsync(local, "big.bin");
            output.WriteLine($"first run: {PartUploads(firstCounter)} part uploads, second run: {PartUploads(counter)} of 4");
            Assert.Equal(2, PartUploads(counter));
            Assert.Equal(TestData.Sha256File(local), await states.Sha256Of(second, "big.bin"));
        }
        Assert.Empty(StatesOf(prefix));
    }

    [Fact]
    public async Task A_cancelled_parallel_download_keeps_only_its_complete_prefix_and_the_next_one_fetches_the_rest()
    {
        var prefix = S3Fixture.UniquePrefix("resume-down");
        var local = states.NewFile(8 * Part, seed: 5);
        var (store, _) = Connect(prefix, concurrency: 4);
        var target = Path.Combine(Path.GetDirectoryName(local)!, "back", "big.bin");
        await using (store)
        {
            await store.UploadFileAsync(local, "big.bin");
            using var cancel = new CancellationTokenSource();
            long received = 0;
            var progress = new SyncProgress(n => { if (Interlocked.Add(ref received, n) >= 4L * Part) cancel.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                store.DownloadFileAsync("big.bin", target, options: new TransferOptions { Progress = progress }, cancellationToken: cancel.Token));
        }
        var state = Assert.Single(StatesOf(prefix));
        Assert.NotNull(state.CompletePrefix);
        Assert.Equal(state.CompletePrefix, new FileInfo(state.TempPath!).Length); // cut to what is complete
        Assert.False(File.Exists(target));

        var (second, counter) = Connect(prefix, concurrency: 4);
        await using (second)
        {
            long fetched = 0;
            var first = true;
            var progress = new SyncProgress(n => { if (first) first = false; else Interlocked.Add(ref fetched, n); }); // the first report is what was kept
            await second.DownloadFileAsync("big.bin", target, options: new TransferOptions { Progress = progress });
            output.WriteLine($"kept {state.CompletePrefix} bytes, fetched {fetched} of {8 * Part}: {string.Join(", ", counter.Requests)}");
            Assert.Equal(8L * Part - state.CompletePrefix!.Value, fetched);
        }
        Assert.Equal(TestData.Sha256File(local), TestData.Sha256File(target));
        Assert.Empty(StatesOf(prefix));
        Assert.Equal(new[] { "big.bin" }, Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_changed_local_file_is_uploaded_from_the_start()
    {
        var prefix = S3Fixture.UniquePrefix("resume-changed");
        var local = states.NewFile(4 * Part, seed: 4);
        await UploadCancelledAfterTwoParts(prefix, local);
        Assert.Single(StatesOf(prefix));
        states.Rewrite(local, seed: 5);

        var (second, counter) = Connect(prefix);
        await using (second)
        {
            await second.UploadFileAsync(local, "big.bin");
            Assert.Equal(4, PartUploads(counter));
            Assert.Equal(TestData.Sha256File(local), await states.Sha256Of(second, "big.bin"));
        }
        Assert.Empty(StatesOf(prefix));
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, too late to cancel).</summary>
sealed class SyncProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}

/// <summary>A transfer-state folder of its own for the resume tests (they run one at a time: the folder is process-wide).</summary>
public sealed class ResumeStates : IDisposable
{
    public const string Collection = "Resume states";

    readonly string _root = Path.Combine(Path.GetTempPath(), $"mf-resume-{Guid.NewGuid():N}");
    readonly string? _saved = Environment.GetEnvironmentVariable(TransferStates.FolderVariable);

    public ResumeStates()
    {
        Directory.CreateDirectory(_root);
        Environment.SetEnvironmentVariable(TransferStates.FolderVariable, Path.Combine(_root, "states"));
    }

    public string NewFile(int size, int seed)
    {
        var path = Path.Combine(_root, $"file-{Guid.NewGuid():N}.bin");
        Rewrite(path, seed, size);
        return path;
    }

    public void Rewrite(string path, int seed, int? size = null)
    {
        var bytes = new byte[size ?? (int)new FileInfo(path).Length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(seed)); // a later time, even on coarse clocks
    }

    public async Task<string> Sha256Of(BronzeStore store, string remotePath)
    {
        var back = Path.Combine(_root, $"back-{Guid.NewGuid():N}.bin");
        await store.DownloadFileAsync(remotePath, back);
        try { return TestData.Sha256File(back); } finally { File.Delete(back); }
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(TransferStates.FolderVariable, _saved);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(ResumeStates.Collection, DisableParallelization = true)]
public sealed class ResumeStatesCollection : ICollectionFixture<ResumeStates>;
