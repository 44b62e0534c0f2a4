using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>A block upload in which one block fails reports that block's error. It used to report the cancellation
/// the failure caused in the loop that hands out blocks, as "The request for '…' timed out." (a 2 GiB upload in the
/// benchmark said so, and the real cause was lost).</summary>
public sealed class AzureBlockFailureTests(AzureConnectionStringFixture fixture) : IClassFixture<AzureConnectionStringFixture>
{
    [Fact]
    public async Task A_block_that_is_refused_is_reported_as_refused_not_as_a_timeout()
    {
        var refuseThird = new RefuseBlock(3);
        var config = AzureTestConfig.Build(fixture.Container, TestData.UniqueName("blockfail"), AzureTestAuth.ConnectionString,
            new Dictionary<string, object?> { ["transfer_size"] = "1MiB", ["initial_transfer_size"] = "1MiB", ["max_concurrency"] = "2" });
        await using var store = new BronzeStore(AzureTestConfig.Backend(config, refuseThird), "test",
            new ResilientOperationRunner(new ResilienceSettings { MaxAttempts = 1 }));
        var source = Path.Combine(TestData.TempFolder("azure-blockfail"), "big.bin");
        await File.WriteAllBytesAsync(source, TestData.Bytes(8 << 20, seed: 3));

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.UploadFileAsync(source, "bf/big.bin"));

        Assert.Contains("HTTP 403", error.Message);
        Assert.DoesNotContain("timed out", error.Message);
        Assert.Null(await store.StatAsync("bf/big.bin")); // nothing was committed
    }

    [Fact]
    public async Task A_block_refused_as_busy_fails_the_attempt_and_the_next_attempt_completes_the_file()
    {
        var busy = new BusyBlocks(from: 3, count: 1); // thrown below the SDK's retry: it is the runner that tries again
        var config = AzureTestConfig.Build(fixture.Container, TestData.UniqueName("blockbusy"), AzureTestAuth.ConnectionString,
            new Dictionary<string, object?> { ["transfer_size"] = "1MiB", ["initial_transfer_size"] = "1MiB", ["max_concurrency"] = "2" });
        await using var store = new BronzeStore(AzureTestConfig.Backend(config, busy), "test",
            new ResilientOperationRunner(new ResilienceSettings { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(50) }));
        var folder = TestData.TempFolder("azure-blockbusy");
        var source = Path.Combine(folder, "big.bin");
        var data = TestData.Bytes(8 << 20, seed: 4);
        await File.WriteAllBytesAsync(source, data);

        await store.UploadFileAsync(source, "bb/big.bin");

        var back = Path.Combine(folder, "back.bin");
        await store.DownloadFileAsync("bb/big.bin", back);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256File(back));
        Assert.Equal(1, busy.Refused);
    }

    /// <summary>Answers Put Blocks number <paramref name="from"/> to from + count - 1 (as sent, retries included)
    /// with 503 Server Busy.</summary>
    sealed class BusyBlocks(int from, int count) : HttpPipelinePolicy
    {
        int _blocks, _refused;

        public int Refused => _refused;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var query = message.Request.Uri.Query ?? "";
            if (query.Contains("comp=block") && !query.Contains("blocklist"))
            {
                var number = Interlocked.Increment(ref _blocks);
                if (number >= from && number < from + count)
                {
                    Interlocked.Increment(ref _refused);
                    throw new RequestFailedException(503, "The server is busy.", "ServerBusy", null);
                }
            }
            await ProcessNextAsync(message, pipeline);
        }
    }

    /// <summary>Answers the <paramref name="which"/>-th Put Block with a 403 at once, and holds every other one
    /// for a moment: the loop that hands out blocks is then waiting for a free slot when the refusal comes.</summary>
    sealed class RefuseBlock(int which) : HttpPipelinePolicy
    {
        int _blocks;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var query = message.Request.Uri.Query ?? "";
            if (query.Contains("comp=block") && !query.Contains("blocklist"))
            {
                if (Interlocked.Increment(ref _blocks) == which)
                    throw new RequestFailedException(403, "This request is not authorized to perform this operation.", "AuthorizationPermissionMismatch", null);
                await Task.Delay(500, message.CancellationToken);
            }
            await ProcessNextAsync(message, pipeline);
        }
    }
}
