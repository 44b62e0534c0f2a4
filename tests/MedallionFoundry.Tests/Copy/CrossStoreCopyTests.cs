using System.Diagnostics;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Copy;

/// <summary>
/// Streamed copies across stores: a mixed set goes S3 -> Azure -> local -> S3 and comes back byte for
/// byte, every hop streamed (no temporary file: the system temp folder gains no file) and hash-checked.
/// The peak of managed memory above the start is reported and must stay well below the set's size.
/// </summary>
[Collection(MeasuresProcessMemory.Name)]
public sealed class CrossStoreCopyTests(S3Fixture fixture, ITestOutputHelper output) : IClassFixture<S3Fixture>
{
    static readonly int[] Sizes = [0, 1, 70_001, 6 * 1024 * 1024 + 1, 32 * 1024 * 1024 + 5];

    [Fact]
    public async Task A_mixed_set_goes_S3_to_Azure_to_local_to_S3_intact_with_flat_memory()
    {
        var run = TestData.UniqueName("round");
        await using var s3 = new BronzeStore(new S3Backend(fixture.Settings($"{run}/s3", partSize: S3Settings.MinPartSize)), "s3");
        await using var azure = BronzeStoreFactory(run);
        await using var local = new BronzeStore(new LocalBackend(TestData.TempFolder("round-local")), "local");
        var files = Sizes.Select((size, i) => (Path: $"system=crm/table=accounts/part-{i:D4}-{size}.bin", Data: TestData.Bytes(size, i + 11))).ToList();
        foreach (var (path, data) in files) { using var s = new MemoryStream(data); await s3.UploadAsync(s, path); }
        var tempBefore = TempFiles();

        var total = files.Sum(f => (long)f.Data.Length);
        var hops = new List<CopyResult>();
        var peakManaged = 0L;
        foreach (var (from, sourcePrefix, to, prefix) in new[] { (s3, "", azure, "hop1/"), (azure, "hop1/", local, "hop2/"), (local, "hop2/", s3, "back/") })
        {
            var clock = Stopwatch.StartNew();
            using (var memory = new PeakMemory())
            {
                foreach (var (path, _) in files)
                    hops.Add(await from.CopyToAsync(sourcePrefix + path, to, prefix + path));
                memory.Dispose();
                peakManaged = Math.Max(peakManaged, memory.PeakManaged);
                output.WriteLine($"{from.BackendType} -> {to.BackendType}: {files.Count} files ({TestData.MiB(total)}) streamed in {clock.Elapsed.TotalSeconds:0.00} s; " +
                                 $"peak managed memory +{TestData.MiB(memory.PeakManaged)}, peak working set +{TestData.MiB(memory.PeakWorkingSet)}");
            }
        }
        Assert.All(hops, h => Assert.Equal(CopyMethod.Streamed, h.Method));
        foreach (var (path, data) in files)
        {
            using var back = new MemoryStream();
            await s3.DownloadAsync("back/" + path, back);
            Assert.Equal(TestData.Sha256(data), TestData.Sha256(back.ToArray()));
        }
        Assert.All(hops.Where(h => h.Destination.Backend != "local"), h => Assert.True(h.HashVerified, $"{h.Destination.Path} on {h.Destination.Backend} not hash-verified"));
        Assert.Equal(tempBefore, TempFiles());
        Assert.True(peakManaged < 3 * Sizes.Max(), $"managed memory grew by {peakManaged} bytes");
    }

    static BronzeStore BronzeStoreFactory(string run) =>
        MedallionFoundry.Backends.BronzeStoreFactory.Create(AzureTestConfig.Build(AzuriteServer.NewContainer("round"), $"{run}/azure", AzureTestAuth.ConnectionString), "azure");

    static int TempFiles() => Directory.GetFiles(Path.GetTempPath(), "mf-*.spool").Length;

    /// <summary>Samples managed heap and working set every 10 ms; reports the peaks above the start.</summary>
    sealed class PeakMemory : IDisposable
    {
        readonly long _managedStart = GC.GetTotalMemory(true);
        readonly long _workingSetStart = Environment.WorkingSet;
        readonly Timer _timer;
        long _peakManaged, _peakWorkingSet;

        public PeakMemory() => _timer = new Timer(_ => Sample(), null, 0, 10);

        public long PeakManaged => Interlocked.Read(ref _peakManaged);

        public long PeakWorkingSet => Interlocked.Read(ref _peakWorkingSet);

        void Sample()
        {
            Max(ref _peakManaged, GC.GetTotalMemory(false) - _managedStart);
            Max(ref _peakWorkingSet, Environment.WorkingSet - _workingSetStart);
        }

        static void Max(ref long field, long value)
        {
            long seen;
            while (value > (seen = Interlocked.Read(ref field)) && Interlocked.CompareExchange(ref field, value, seen) != seen) { }
        }

        public void Dispose()
        {
            _timer.Dispose();
        }
    }
}

/// <summary>Tests that measure the whole process's memory run alone: other tests' allocations in
/// parallel would be counted as theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresProcessMemory
{
    public const string Name = "Measures process memory";
}
