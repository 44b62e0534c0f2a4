using Azure.Core;
using Azure.Core.Pipeline;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>The deleter's choice between batches and single deletes by their measured speed. The batch's
/// slowness is added to the deleter's clock rather than waited for: timed for real, it was at the mercy
/// of the machine's load (in CI, Azurite's single deletes slowed inside the margin and a second batch
/// was sent, twice, once while the test ran alone).</summary>
public sealed class AzureBatchSpeedTests(AzureConnectionStringFixture fixture) : IClassFixture<AzureConnectionStringFixture>
{
    [Fact]
    public async Task When_batches_are_much_slower_per_blob_than_single_deletes_the_rest_goes_one_by_one()
    {
        var clock = new ShiftedClock();
        var slow = new SlowBatch(clock, TimeSpan.FromMinutes(10)); // 2.3 s a blob: no single delete is that slow
        var backend = AzureTestConfig.Backend(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("slowbatch"), AzureTestAuth.ConnectionString), slow, clock);
        await using var store = new BronzeStore(backend, "test");
        var paths = Enumerable.Range(0, 300).Select(i => $"sb/part-{i:D3}.csv").ToList();
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (path, ct) => await store.UploadAsync(new MemoryStream("x"u8.ToArray()), path, cancellationToken: ct));

        var failures = await store.DeleteManyAsync(paths);

        Assert.Empty(failures);
        Assert.Equal(1, slow.BatchAttempts); // one slow batch, a timed probe of single deletes, then single deletes
        Assert.True(backend.SinglesFasterThanBatches);
        var left = new List<RemoteObject>();
        await foreach (var item in store.ListAsync("sb/")) left.Add(item);
        Assert.Empty(left);
    }

    /// <summary>The system's clock, plus whatever the test has added.</summary>
    sealed class ShiftedClock : TimeProvider
    {
        long _shiftTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, (long)(by.TotalSeconds * TimestampFrequency));

        public override long GetTimestamp() => System.GetTimestamp() + Interlocked.Read(ref _shiftTicks);
    }

    /// <summary>Makes each batch request look <paramref name="delay"/> slower on the deleter's clock.</summary>
    sealed class SlowBatch(ShiftedClock clock, TimeSpan delay) : HttpPipelinePolicy
    {
        int _batchAttempts;

        public int BatchAttempts => _batchAttempts;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Uri.Query?.Contains("comp=batch") == true)
            {
                Interlocked.Increment(ref _batchAttempts);
                clock.Advance(delay);
            }
            await ProcessNextAsync(message, pipeline);
        }
    }
}
