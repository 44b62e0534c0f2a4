using System.Diagnostics;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Faults;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Copy;

/// <summary>
/// Proof that an Azure to Azure copy in one account is server-side, on Azurite: every request of the
/// module goes through the fault proxy (faults off), which counts body bytes both ways. A 40 MiB blob
/// (copied block by block with Put Block From URL: the one-request limit is lowered to 16 MiB) and 200
/// small ones move with less than 1 MiB through the client; rclone reads the copies back and their
/// MD5s equal the sources'. The same set streamed (two accounts' worth of endpoints) is measured too.
/// </summary>
public sealed class AzureServerSideCopyTests(ITestOutputHelper output)
{
    const int Big = 40 << 20;

    static BronzeStore Store(string container, string prefix, string accountUrl, string name)
    {
        var config = AzureTestConfig.Build(container, prefix, AzureTestAuth.AccountKey,
            new Dictionary<string, object?> { ["account_url"] = accountUrl });
        var backend = AzureTestConfig.Backend(config);
        backend.CopyInOneRequestLimit = 16L << 20;
        backend.CopyBlockSize = 8L << 20;
        return new BronzeStore(backend, name);
    }

    [Fact]
    public async Task Forty_MiB_and_200_small_blobs_copy_server_side_with_under_1_MiB_through_the_client()
    {
        var container = AzuriteServer.NewContainer("copy");
        var files = new List<(string Path, byte[] Data)> { ("dt=2025-01-01/big.bin", TestData.Bytes(Big, 41)) };
        files.AddRange(Enumerable.Range(0, 200).Select(i => ($"dt=2025-01-01/small/part-{i:D4}.csv", TestData.Bytes(700 + i * 11, i + 7))));
        await using (var direct = Store(container, "landing", AzuriteServer.BlobEndpoint, "direct"))
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (f, ct) => { using var s = new MemoryStream(f.Data); await direct.UploadAsync(s, f.Path, cancellationToken: ct); });

        await using var proxy = await FaultProxy.StartAsync(AzuriteServer.BlobEndpoint);
        var endpoint = proxy.Rewrite(AzuriteServer.BlobEndpoint);
        await using var source = Store(container, "landing", endpoint, "landing");
        await using var target = Store(container, "curated", endpoint, "curated");
        Assert.True(source.CopyMethodTo(target).IsSupported, source.CopyMethodTo(target).Reason);

        proxy.ResetCounters();
        var clock = Stopwatch.StartNew();
        var results = await CopyAll(source, target, files);
        clock.Stop();
        var serverSideBytes = proxy.BodyBytes;
        var blocks = proxy.RequestLines.Count(l => l.StartsWith("PUT ", StringComparison.Ordinal) && l.Contains("comp=block&", StringComparison.Ordinal));
        output.WriteLine($"server-side: {files.Count} blobs ({TestData.MiB(files.Sum(f => (long)f.Data.Length))}), {serverSideBytes:N0} body bytes through the client, {proxy.Requests} requests, {clock.Elapsed.TotalSeconds:0.00} s, {blocks} Put Block From URL");

        Assert.All(results, r => Assert.Equal(CopyMethod.ServerSide, r.Method));
        Assert.True(serverSideBytes < 1 << 20, $"{serverSideBytes} body bytes went through the client");
        Assert.Equal(5, blocks); // 40 MiB in blocks of 8 MiB
        Assert.DoesNotContain(proxy.RequestLines, l => l.Contains("sig=", StringComparison.OrdinalIgnoreCase)); // the SAS travels in a header only
        var read = PeerTools.Md5s(PeerTools.RcloneDownload(AccountSasUrl(), container, "curated"));
        Assert.Equal(files.Count, read.Count);
        foreach (var (path, data) in files) Assert.Equal(PeerTools.Md5(data), read[path]);

        // The same set, streamed: the destination connection is on another endpoint (a second proxy).
        await using var other = await FaultProxy.StartAsync(AzuriteServer.BlobEndpoint);
        await using var streamedTarget = Store(container, "streamed", other.Rewrite(AzuriteServer.BlobEndpoint), "streamed");
        Assert.False(source.CopyMethodTo(streamedTarget).IsSupported);
        proxy.ResetCounters();
        clock.Restart();
        var streamed = await CopyAll(source, streamedTarget, files);
        clock.Stop();
        var streamedBytes = proxy.BodyBytes + other.BodyBytes;
        output.WriteLine($"streamed: {files.Count} blobs, {streamedBytes:N0} body bytes through the client, {clock.Elapsed.TotalSeconds:0.00} s ({source.CopyMethodTo(streamedTarget).Reason})");
        Assert.All(streamed, r => Assert.Equal(CopyMethod.Streamed, r.Method));
        Assert.True(streamedBytes > 2L * files.Sum(f => (long)f.Data.Length), "a streamed copy reads and writes every byte");
    }

    static string AccountSasUrl() =>
        new BlobServiceClient(new Uri(AzuriteServer.BlobEndpoint), new StorageSharedKeyCredential(AzuriteServer.Account, AzuriteServer.Key))
            .GenerateAccountSasUri(AccountSasPermissions.Read | AccountSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1), AccountSasResourceTypes.All)
            .ToString();

    static async Task<List<CopyResult>> CopyAll(BronzeStore source, BronzeStore target, List<(string Path, byte[] Data)> files)
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<CopyResult>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (f, ct) => results.Add(await source.CopyToAsync(f.Path, target, f.Path, cancellationToken: ct)));
        return results.ToList();
    }
}
