using Azure.Core;
using Azure.Core.Pipeline;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>The deleter's choice between batches and single deletes by their measured speed. Alone: it
/// compares times, and on a machine busy with the other tests Azurite's single deletes slowed past the
/// margin the test gives them (a second batch was sent, CI).</summary>
[Collection(AzureDeleteTimingCollection.Name)]
public sealed class AzureBatchSpeedTests(AzureConnectionStringFixture fixture) : IClassFixture<AzureConnectionStringFixture>
{
    [Fact]
    public async Task When_batches_are_much_slower_per_blob_than_single_deletes_the_rest_goes_one_by_one()
    {
        var slow = new SlowBatch(TimeSpan.FromSeconds(20)); // 20 s for 256 blobs: 78 ms a blob, as Azurite on a big container
        var backend = AzureTestConfig.Backend(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("slowbatch"), AzureTestAuth.ConnectionString), slow);
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

    /// <summary>Lets batch requests through after a delay.</summary>
    sealed class SlowBatch(TimeSpan delay) : HttpPipelinePolicy
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
                await Task.Delay(delay, message.CancellationToken);
            }
            await ProcessNextAsync(message, pipeline);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AzureDeleteTimingCollection
{
    public const string Name = "Azure delete timing, measured alone";
}
