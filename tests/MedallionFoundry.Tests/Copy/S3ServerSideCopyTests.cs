using System.Diagnostics;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Faults;
using MedallionFoundry.Tests.S3;
using Xunit.Abstractions;

namespace MedallionFoundry.Tests.Copy;

/// <summary>
/// Proof that an S3 to S3 copy on one endpoint is server-side: every request goes through the fault
/// proxy (faults off), which counts the body bytes both ways. A 40 MiB object (copied in UploadPartCopy
/// parts: the multipart copy limit is lowered to 16 MiB) and 200 small ones move with less than 1 MiB
/// through the client; aws-cli reads the copies back and their MD5s equal the sources'. The same set
/// copied streamed (the stores on two endpoints) is measured for comparison.
/// </summary>
public sealed class S3ServerSideCopyTests(S3Fixture fixture, ITestOutputHelper output) : IClassFixture<S3Fixture>
{
    const int Big = 40 << 20;

    S3Settings Via(string endpoint, string prefix) => new()
    {
        Bucket = fixture.Bucket,
        Prefix = prefix,
        EndpointUrl = new Uri(endpoint),
        ForcePathStyle = true,
        ChecksumMode = S3ChecksumMode.WhenRequired,
        PartSize = 8 * S3Settings.MiB,
        CopyMultipartThreshold = 16 * S3Settings.MiB,
        CopyPartSize = 8 * S3Settings.MiB,
        AccessKey = S3TestServer.AccessKey,
        SecretKey = S3TestServer.SecretKey,
    };

    [Fact]
    public async Task Forty_MiB_and_200_small_objects_copy_server_side_with_under_1_MiB_through_the_client()
    {
        var run = TestData.UniqueName("s3copy");
        var files = new List<(string Path, byte[] Data)> { ("dt=2025-01-01/big.bin", TestData.Bytes(Big, 40)) };
        files.AddRange(Enumerable.Range(0, 200).Select(i => ($"dt=2025-01-01/small/part-{i:D4}.csv", TestData.Bytes(500 + i * 13, i))));
        await using (var direct = new BronzeStore(new S3Backend(Via(fixture.Endpoint, $"{run}/landing"))))
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (f, ct) => { using var s = new MemoryStream(f.Data); await direct.UploadAsync(s, f.Path, cancellationToken: ct); });

        await using var proxy = await FaultProxy.StartAsync(fixture.Endpoint);
        var endpoint = proxy.Rewrite(fixture.Endpoint);
        await using var source = new BronzeStore(new S3Backend(Via(endpoint, $"{run}/landing")), "landing");
        await using var target = new BronzeStore(new S3Backend(Via(endpoint, $"{run}/curated")), "curated");
        Assert.True(source.CopyMethodTo(target).IsSupported, source.CopyMethodTo(target).Reason);

        proxy.ResetCounters();
        var clock = Stopwatch.StartNew();
        var results = await CopyAll(source, target, files);
        clock.Stop();
        var serverSideBytes = proxy.BodyBytes;
        var partCopies = proxy.RequestLines.Count(l => l.StartsWith("PUT ", StringComparison.Ordinal) && l.Contains("partNumber=", StringComparison.Ordinal));
        output.WriteLine($"server-side: {files.Count} objects ({TestData.MiB(files.Sum(f => (long)f.Data.Length))}), {serverSideBytes:N0} body bytes through the client, {proxy.Requests} requests, {clock.Elapsed.TotalSeconds:0.00} s, {partCopies} UploadPartCopy parts");

        Assert.All(results, r => Assert.Equal(CopyMethod.ServerSide, r.Method));
        Assert.True(serverSideBytes < 1 << 20, $"{serverSideBytes} body bytes went through the client");
        Assert.Equal(5, partCopies); // 40 MiB in parts of 8 MiB
        var read = PeerTools.Md5s(PeerTools.AwsDownload(fixture.Endpoint, fixture.Bucket, $"{run}/curated", S3TestServer.AccessKey, S3TestServer.SecretKey));
        Assert.Equal(files.Count, read.Count);
        foreach (var (path, data) in files) Assert.Equal(PeerTools.Md5(data), read[path]);

        // The same set, streamed: the destination is on another endpoint (a second proxy).
        await using var other = await FaultProxy.StartAsync(fixture.Endpoint);
        await using var streamedTarget = new BronzeStore(new S3Backend(Via(other.Rewrite(fixture.Endpoint), $"{run}/streamed")), "streamed");
        Assert.False(source.CopyMethodTo(streamedTarget).IsSupported);
        proxy.ResetCounters();
        clock.Restart();
        var streamed = await CopyAll(source, streamedTarget, files);
        clock.Stop();
        var streamedBytes = proxy.BodyBytes + other.BodyBytes;
        output.WriteLine($"streamed: {files.Count} objects, {streamedBytes:N0} body bytes through the client, {clock.Elapsed.TotalSeconds:0.00} s ({source.CopyMethodTo(streamedTarget).Reason})");
        Assert.All(streamed, r => Assert.Equal(CopyMethod.Streamed, r.Method));
        Assert.True(streamedBytes > 2L * files.Sum(f => (long)f.Data.Length), "a streamed copy reads and writes every byte");
    }

    static async Task<List<CopyResult>> CopyAll(BronzeStore source, BronzeStore target, List<(string Path, byte[] Data)> files)
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<CopyResult>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (f, ct) => results.Add(await source.CopyToAsync(f.Path, target, f.Path, cancellationToken: ct)));
        return results.ToList();
    }
}
