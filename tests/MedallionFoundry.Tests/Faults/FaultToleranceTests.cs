using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Faults;

/// <summary>
/// A backend talking to its real server through the fault proxy, written once and run per backend:
/// faults on a share of requests are survived with every byte verified, a dead server opens the
/// circuit, and an access-denied answer is tried exactly once.
/// </summary>
public abstract partial class FaultToleranceTests(ITestOutputHelper output)
{
    /// <summary>The real server's URL the proxy forwards to.</summary>
    protected abstract string ServerUrl { get; }

    /// <summary>A platform config for this backend with its endpoint at <paramref name="endpoint"/>,
    /// a prefix unique to the test, <paramref name="bronze"/> added under platform.bronze and
    /// <paramref name="connection"/> under the backend's connection section.</summary>
    protected abstract PlatformConfig Config(string endpoint, string prefix, IDictionary<string, object?>? bronze = null, IDictionary<string, object?>? connection = null);

    /// <summary>Connection keys that make a file of a few MiB go up in several parts or blocks.</summary>
    protected abstract IDictionary<string, object?> SmallParts { get; }

    /// <summary>The size of one of those parts.</summary>
    protected abstract int SmallPartSize { get; }

    protected static readonly ResilienceSettings Patient = new()
    {
        MaxAttempts = 8,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        FailureThreshold = 0,
    };

    protected async Task<(BronzeStore Store, FaultProxy Proxy, ResilientOperationRunner Runner)> Connect(ResilienceSettings settings,
        IDictionary<string, object?>? bronze = null, IDictionary<string, object?>? connection = null)
    {
        var proxy = await FaultProxy.StartAsync(ServerUrl);
        var config = Config(proxy.Rewrite(ServerUrl), $"faults/{TestData.UniqueName("run")}", bronze, connection);
        var backend = BackendRegistry.Default.Create(config);
        var runner = new ResilientOperationRunner(settings, "faulty");
        return (new BronzeStore(backend, "faulty", runner), proxy, runner);
    }

    [Fact]
    public async Task Five_hundred_files_go_up_and_down_intact_through_30_percent_faults()
    {
        var (store, proxy, runner) = await Connect(Patient);
        await using var _ = proxy;
        await using var __ = store;
        var source = TestData.TempFolder("faults-up");
        var target = TestData.TempFolder("faults-down");
        var files = Enumerable.Range(0, 500).Select(i => (Path: $"dt=2025-01-{i % 10:D2}/part-{i:D4}.bin", Data: TestData.Bytes(512 + i * 7, i))).ToList();
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.Combine(source, Path.GetDirectoryName(f.Path)!));
            await File.WriteAllBytesAsync(Path.Combine(source, f.Path), f.Data);
        }

        proxy.FailureRate = 0.30;
        proxy.ResetRate = 0.05;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (f, ct) => await store.UploadFileAsync(Path.Combine(source, f.Path), f.Path, cancellationToken: ct));
        var listed = new List<RemoteObject>();
        await foreach (var item in store.ListAsync("", new ListOptions { PageSize = 100 })) listed.Add(item);
        await Parallel.ForEachAsync(listed, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (o, ct) => await store.DownloadFileAsync(o.Path, Path.Combine(target, o.Path), cancellationToken: ct));

        output.WriteLine($"requests={proxy.Requests} injected503={proxy.Failed} cutOff={proxy.Reset} attempts={runner.Attempts} operations={1000 + (500 / 100)}");
        Assert.Equal(500, listed.Count);
        foreach (var f in files)
            Assert.Equal(TestData.Sha256(f.Data), TestData.Sha256File(Path.Combine(target, f.Path)));
        Assert.True(proxy.Failed > 100, $"expected many injected faults, got {proxy.Failed} of {proxy.Requests}");
        Assert.True(proxy.Reset > 0, "expected some responses cut off mid-body");
        Assert.Empty(Directory.GetFiles(target, "*.mfpart", SearchOption.AllDirectories));
        Assert.True(runner.Attempts > 1000, $"retries should show in attempts: {runner.Attempts} for 1000 transfers");
    }

    [Fact]
    public async Task A_dead_server_opens_the_circuit_after_the_threshold_and_the_error_says_so()
    {
        var settings = Patient with { MaxAttempts = 2, FailureThreshold = 4, BreakDuration = TimeSpan.FromSeconds(60) };
        var (store, proxy, runner) = await Connect(settings);
        await using var _ = proxy;
        await using var __ = store;
        proxy.FailureRate = 1.0;

        var errors = new List<StorageException>();
        for (var i = 0; i < 6; i++)
        {
            try { await store.UploadAsync(new MemoryStream("x"u8.ToArray()), $"dead/{i}.csv"); }
            catch (StorageException ex) { errors.Add(ex); }
        }

        Assert.Equal(6, errors.Count);
        Assert.Equal(4, runner.Attempts); // two operations of two attempts, then the circuit is open
        Assert.All(errors.Skip(2), e => Assert.Equal(StorageErrorKind.CircuitOpen, e.Kind));
        Assert.Contains("The circuit for connection 'faulty' is open until", errors[^1].Message);
        var requestsWhenOpen = proxy.Requests;
        await Assert.ThrowsAsync<StorageException>(() => store.StatAsync("dead/0.csv"));
        Assert.Equal(requestsWhenOpen, proxy.Requests); // failing fast: nothing reaches the server
    }

    [Fact]
    public async Task Access_denied_is_one_request_and_one_attempt()
    {
        var (store, proxy, runner) = await Connect(Patient);
        await using var _ = proxy;
        await using var __ = store;
        proxy.DenyAll = true;

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.UploadAsync(new MemoryStream("x"u8.ToArray()), "denied/file.csv"));

        Assert.Equal(1, runner.Attempts);
        Assert.Equal(1, proxy.Requests);
        Assert.Contains("denied/file.csv", error.Message + error.Path);
    }
}
