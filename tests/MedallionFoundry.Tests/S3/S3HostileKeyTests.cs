using Amazon.S3.Model;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// Keys no well-behaved writer makes, planted straight into the S3 server through the SDK: the
/// listing still works, and downloading what it lists never writes outside the destination folder
/// (the same steps Get-BronzeFile takes: LocalDestination.Resolve, then DownloadFileAsync).
/// </summary>
public sealed class S3HostileKeyTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    [Fact]
    public async Task Hostile_keys_are_listed_and_refused_and_nothing_lands_outside_the_destination()
    {
        var prefix = S3Fixture.UniquePrefix("hostile");
        await using var admin = fixture.CreateBackend(fixture.Settings(""));
        // The S3 test server itself folds "a/../../x" and "//" away, and cannot list control characters
        // (it ignores encoding-type=url); what it keeps is enough to prove the point.
        var hostile = new[] { "back\\..\\..\\x.csv", "C:/win.csv", "a/../../escape.csv" };
        foreach (var key in hostile.Append("ok/good.csv").Append("pct%41.csv"))
            await admin.Client.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Bucket, Key = $"{prefix}/{key}", ContentBody = key, UseChunkEncoding = false });
        await using var store = new BronzeStore(fixture.CreateBackend(fixture.Settings(prefix)), "test");
        var outside = TestData.TempFolder("hostile-s3");
        var destination = Path.Combine(outside, "dest");

        var (listed, downloaded, refused) = await DownloadAsGetBronzeFile.EverythingAsync(store, destination);

        Assert.Contains("back\\..\\..\\x.csv", refused);
        Assert.Contains("C:/win.csv", refused);
        Assert.Equal(new[] { "ok/good.csv", "pct%41.csv" }, downloaded.Order(StringComparer.Ordinal));
        Assert.Equal(listed.Count, downloaded.Count + refused.Count);
        Assert.All(Directory.GetFiles(outside, "*", SearchOption.AllDirectories),
            file => Assert.StartsWith(destination + Path.DirectorySeparatorChar, file));
    }
}
