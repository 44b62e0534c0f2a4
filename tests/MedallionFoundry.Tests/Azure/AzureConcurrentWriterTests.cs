using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Faults;
using Azure.Storage.Blobs.Specialized;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Azure;

/// <summary>Two writers on one blob: the one whose staged blocks were discarded by the other's commit
/// is told what happened, not a bare "HTTP 400 (InvalidBlockList)".</summary>
public sealed class AzureConcurrentWriterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_block_upload_overtaken_by_another_writer_says_another_upload_committed_first()
    {
        var container = AzuriteServer.NewContainer("writers");
        await using var proxy = await FaultProxy.StartAsync(AzuriteServer.BlobEndpoint);
        var config = AzureTestConfig.Build(container, "writers", AzureTestAuth.AccountKey, new Dictionary<string, object?>
        {
            ["account_url"] = proxy.Rewrite(AzuriteServer.BlobEndpoint),
            ["transfer_size"] = "1MiB",
            ["initial_transfer_size"] = "1MiB",
            ["max_concurrency"] = "1",
        });
        await using var slow = new BronzeStore(AzureTestConfig.Backend(config), "slow", new ResilientOperationRunner(new ResilienceSettings { MaxAttempts = 1 }));
        var path = Path.Combine(TestData.TempFolder("writers"), "shared.bin");
        await File.WriteAllBytesAsync(path, TestData.Bytes(4 << 20, 1));
        proxy.BytesPerSecond = 1 << 20; // four blocks, one at a time: about 4 s

        var upload = slow.UploadFileAsync(path, "shared.bin");
        // Our second block has set out, so the first is staged; two more are still to go. (A fixed wait
        // raced: on a loaded machine the other writer could commit before our first block, and then no
        // staged block of ours is discarded and our commit rightly succeeds.)
        await TestData.WaitUntil(() => proxy.RequestLines.Count(IsStageBlock) >= 2, TimeSpan.FromSeconds(30), "our second Put Block");
        Assert.False(upload.IsCompleted, "the upload finished before the other writer could overtake it");
        // The other writer goes straight to the server and finishes first.
        var other = TestData.Bytes(1000, 2);
        // Block ids of one blob must all have one length (else InvalidBlobOrBlock): the same shape as ours.
        var blocks = AzuriteServer.AdminContainer(container).GetBlockBlobClient("writers/shared.bin");
        var id = Convert.ToBase64String("0123456789abcdef0123456789abcdef-000000"u8.ToArray());
        await blocks.StageBlockAsync(id, new MemoryStream(other));
        await blocks.CommitBlockListAsync([id]);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() => upload.WaitAsync(TimeSpan.FromSeconds(60)));
        output.WriteLine(error.Message);
        Assert.Contains("Another upload to 'writers/shared.bin' committed", error.Message);
        Assert.Contains("InvalidBlockList", error.Message);
    }

    /// <summary>"PUT ...?comp=block&amp;blockid=...": a Put Block (not the Put Block List, comp=blocklist).</summary>
    static bool IsStageBlock(string requestLine) =>
        requestLine.StartsWith("PUT ", StringComparison.Ordinal) && requestLine.Contains("comp=block&", StringComparison.Ordinal);
}
