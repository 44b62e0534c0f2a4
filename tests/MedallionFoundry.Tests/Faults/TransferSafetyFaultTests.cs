using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MedallionFoundry.Backends;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Faults;

/// <summary>Wrong successes and hangs of the transfer engine (issue 12), per backend, through the fault proxy.</summary>
public abstract partial class FaultToleranceTests
{
    static readonly TimeSpan Never = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_server_that_never_answers_fails_every_request_after_the_stall_timeout_and_is_retried()
    {
        var (store, proxy, runner) = await Connect(Patient with { MaxAttempts = 2 }, new Dictionary<string, object?> { ["stall_timeout"] = "1s" });
        await using var _ = proxy;
        await using var __ = store;
        proxy.NeverAnswer = true;
        var clock = Stopwatch.StartNew();

        var upload = await Assert.ThrowsAsync<StorageTransientException>(() =>
            store.UploadAsync(new MemoryStream(TestData.Bytes(2048)), "stall/file.bin").WaitAsync(Never));
        var list = await Assert.ThrowsAsync<StorageTransientException>(async () =>
        {
            await foreach (var item in store.ListAsync("stall/").WithCancellation(new CancellationTokenSource(Never).Token)) { }
        });

        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s, attempts={runner.Attempts}, requests={proxy.Requests}: {upload.Message} | {list.Message}");
        Assert.Equal(4, runner.Attempts); // two operations, each tried twice: the stall is transient
        Assert.Contains("No data moved for 1 s", upload.Message);
        Assert.Contains("No data moved for 1 s", list.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_transfer_that_keeps_moving_is_not_cut_by_the_stall_timeout()
    {
        // 2 s: shorter than the 3 s body, longer than a pause of a loaded 2-core machine.
        var (store, proxy, runner) = await Connect(Patient with { MaxAttempts = 1 }, new Dictionary<string, object?> { ["stall_timeout"] = "2s" });
        await using var _ = proxy;
        await using var __ = store;
        var data = TestData.Bytes(300_000, 3);
        await store.UploadAsync(new MemoryStream(data), "slow/file.bin");
        proxy.BytesPerSecond = 100_000; // 3 s for the body, bytes moving all the time

        using var received = new MemoryStream();
        await store.DownloadAsync("slow/file.bin", received);

        Assert.Equal(TestData.Sha256(data), TestData.Sha256(received.ToArray()));
        Assert.Equal(2, runner.Attempts);
    }

    [Fact]
    public async Task Bit_flips_on_the_wire_are_retried_and_every_file_arrives_intact()
    {
        var (store, proxy, runner) = await Connect(Patient);
        await using var _ = proxy;
        await using var __ = store;
        var files = Enumerable.Range(0, 48).Select(i => (Path: $"flips/part-{i:D2}.bin", Data: TestData.Bytes(16_384 + i * 1000, i))).ToList();
        proxy.BitFlipRate = 0.3;

        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (f, ct) => await store.UploadAsync(new MemoryStream(f.Data), f.Path, cancellationToken: ct));
        var received = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (f, ct) =>
        {
            using var copy = new MemoryStream();
            await store.DownloadAsync(f.Path, copy, cancellationToken: ct);
            received[f.Path] = copy.ToArray();
        });

        output.WriteLine($"requests={proxy.Requests} flipped={proxy.Flipped} attempts={runner.Attempts}");
        Assert.True(proxy.Flipped > 10, $"expected many flipped bodies, got {proxy.Flipped}");
        foreach (var f in files) Assert.Equal(TestData.Sha256(f.Data), TestData.Sha256(received[f.Path]));
    }

    [Fact]
    public async Task Bit_flips_on_every_answer_end_as_an_integrity_error_after_a_bounded_number_of_attempts()
    {
        var (store, proxy, runner) = await Connect(Patient);
        await using var _ = proxy;
        await using var __ = store;
        await store.UploadAsync(new MemoryStream(TestData.Bytes(20_000)), "flips/always.bin");
        var before = runner.Attempts;
        proxy.BitFlipRate = 1.0;

        await Assert.ThrowsAsync<StorageIntegrityException>(() => store.DownloadAsync("flips/always.bin", new MemoryStream()));

        Assert.Equal(Patient.MaxAttempts, runner.Attempts - before);
    }

    [Fact]
    public async Task NoClobber_uploads_whose_answers_are_lost_recognise_their_own_write()
    {
        var (store, proxy, runner) = await Connect(Patient);
        await using var _ = proxy;
        await using var __ = store;
        var source = TestData.TempFolder("lost");
        var files = Enumerable.Range(0, 30).Select(i => (Path: $"lost/f-{i:D2}.bin", Data: TestData.Bytes(4096 + i, i))).ToList();
        foreach (var f in files) await File.WriteAllBytesAsync(Path.Combine(source, Path.GetFileName(f.Path)), f.Data);
        proxy.LostResponseRate = 0.4;

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (f, ct) =>
        {
            try { await store.UploadFileAsync(Path.Combine(source, Path.GetFileName(f.Path)), f.Path, new UploadOptions { Overwrite = false }, ct); }
            catch (StorageException ex) { failures.Add($"{f.Path}: {ex.Kind} {ex.Message}"); }
        });
        proxy.LostResponseRate = 0;

        output.WriteLine($"requests={proxy.Requests} lost={proxy.Lost} attempts={runner.Attempts}");
        Assert.True(proxy.Lost > 5, $"expected lost answers, got {proxy.Lost}");
        Assert.Empty(failures);
        foreach (var f in files)
        {
            using var copy = new MemoryStream();
            await store.DownloadAsync(f.Path, copy);
            Assert.Equal(TestData.Sha256(f.Data), TestData.Sha256(copy.ToArray()));
        }
        // And -NoClobber still refuses a file that really exists.
        await Assert.ThrowsAsync<StorageConflictException>(() =>
            store.UploadFileAsync(Path.Combine(source, "f-00.bin"), files[0].Path, new UploadOptions { Overwrite = false }));
    }

    public enum SourceChange { Grow, Shrink, EditInPlace }

    [Theory]
    [InlineData(SourceChange.Grow)]
    [InlineData(SourceChange.Shrink)]
    [InlineData(SourceChange.EditInPlace)]
    public async Task A_file_changed_while_it_uploads_fails_and_the_remote_file_stays_as_it_was(SourceChange change)
    {
        var (store, proxy, runner) = await Connect(Patient with { MaxAttempts = 1 }, connection: SmallParts);
        await using var _ = proxy;
        await using var __ = store;
        var path = Path.Combine(TestData.TempFolder("changing"), "big.bin");
        var size = SmallPartSize * 4;
        var old = TestData.Bytes(1000, 9);
        await store.UploadAsync(new MemoryStream(old), "changing/big.bin"); // what the remote holds before
        await File.WriteAllBytesAsync(path, TestData.Bytes(size, 1));
        proxy.BytesPerSecond = SmallPartSize / 3; // each part or block about 3 s on the wire
        proxy.ResetCounters();

        var upload = store.UploadFileAsync(path, "changing/big.bin");
        // The file changes once its first part is on the wire (its size already taken), with ~11 s to go.
        await TestData.WaitUntil(() => proxy.BodyBytes > 0, TimeSpan.FromSeconds(30), "the first part's bytes");
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            switch (change)
            {
                case SourceChange.Grow: file.Seek(0, SeekOrigin.End); file.Write(TestData.Bytes(SmallPartSize, 2)); break;
                case SourceChange.Shrink: file.SetLength(size / 2); break;
                case SourceChange.EditInPlace: file.Seek(size - 100, SeekOrigin.Begin); file.Write(TestData.Bytes(50, 3)); break;
            }
        }

        var error = await Assert.ThrowsAsync<StorageSourceChangedException>(() => upload.WaitAsync(Never));
        proxy.BytesPerSecond = 0;

        output.WriteLine(error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains("remote file is as it was", error.Message);
        using var remote = new MemoryStream();
        await store.DownloadAsync("changing/big.bin", remote);
        Assert.Equal(TestData.Sha256(old), TestData.Sha256(remote.ToArray()));
    }

    [Fact]
    public async Task A_full_local_disk_during_a_download_is_a_local_error_naming_the_path_and_is_not_retried()
    {
        var (store, proxy, runner) = await Connect(Patient);
        await using var _ = proxy;
        await using var __ = store;
        await store.UploadAsync(new MemoryStream(TestData.Bytes(300_000)), "disk/full.bin");
        var before = runner.Attempts;

        await using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var error = await Assert.ThrowsAsync<StorageLocalIOException>(() => store.DownloadAsync("disk/full.bin", full));

        output.WriteLine(error.Message);
        Assert.Equal(1, runner.Attempts - before);
        Assert.Contains("/dev/full", error.Message);
        Assert.Contains("local disk", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task A_refused_connection_says_so_and_names_the_endpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var endpoint = $"http://127.0.0.1:{port}";
        var config = Config(endpoint + new Uri(ServerUrl).AbsolutePath.TrimEnd('/'), "refused");
        await using var store = new BronzeStore(BackendRegistry.Default.Create(config), "refused",
            new ResilientOperationRunner(Patient with { MaxAttempts = 1 }));

        var error = await Assert.ThrowsAsync<StorageTransientException>(() => store.StatAsync("any.csv"));

        output.WriteLine(error.Message);
        Assert.Contains($"Connection refused to {endpoint}", error.Message);
        Assert.DoesNotContain("HTTP 0", error.Message);
    }
}
