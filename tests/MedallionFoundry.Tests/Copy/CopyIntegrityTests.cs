using Amazon.S3.Model;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Azure;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Copy;

/// <summary>A streamed copy never lets a destination keep bytes that do not match the source's
/// recorded MD5: the check runs before the destination's upload sees the end of the stream.</summary>
public sealed class CopyIntegrityTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    [Theory]
    [InlineData(1000)]
    [InlineData(12 * 1024 * 1024 + 1)] // several parts of the S3 destination's multipart stream upload
    public async Task A_source_whose_bytes_do_not_match_its_recorded_md5_is_not_copied(int size)
    {
        var run = TestData.UniqueName("badsrc");
        await using var s3 = new BronzeStore(new S3Backend(fixture.Settings($"{run}/src")), "s3");
        // Planted by another writer: the recorded MD5 is not the MD5 of the bytes.
        var backend = (S3Backend)s3.Backend;
        var request = new PutObjectRequest { BucketName = fixture.Bucket, Key = s3.KeyFor("bad.bin"), InputStream = new MemoryStream(TestData.Bytes(size)) };
        request.Metadata.Add(S3Integrity.MetadataName, Convert.ToBase64String(new byte[16]));
        await backend.Client.PutObjectAsync(request);
        await using var azure = MedallionFoundry.Backends.BronzeStoreFactory.Create(
            AzureTestConfig.Build(AzuriteServer.NewContainer("badsrc"), run, AzureTestAuth.ConnectionString), "azure");
        // The same server under another name is another endpoint: the copy to it is streamed.
        await using var s3Other = new BronzeStore(new S3Backend(OtherEndpoint($"{run}/dst")), "s3-other");

        await Assert.ThrowsAsync<StorageIntegrityException>(() => s3.CopyToAsync("bad.bin", azure, "copy/bad.bin"));
        Assert.False(s3.CopyMethodTo(s3Other).IsSupported); // another endpoint name: streamed
        await Assert.ThrowsAsync<StorageIntegrityException>(() => s3.CopyToAsync("bad.bin", s3Other, "copy/bad.bin"));

        Assert.Null(await azure.StatAsync("copy/bad.bin"));
        Assert.Null(await s3Other.StatAsync("copy/bad.bin"));
    }

    S3Settings OtherEndpoint(string prefix)
    {
        var settings = fixture.Settings(prefix, partSize: S3Settings.MinPartSize);
        return new S3Settings
        {
            Bucket = settings.Bucket, Prefix = settings.Prefix, ForcePathStyle = true, ChecksumMode = settings.ChecksumMode,
            PartSize = settings.PartSize, AccessKey = settings.AccessKey, SecretKey = settings.SecretKey,
            EndpointUrl = new Uri(fixture.Endpoint.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)),
        };
    }

    [Fact]
    public async Task An_S3_stream_upload_whose_bytes_miss_the_expected_md5_stores_nothing()
    {
        var run = TestData.UniqueName("expect");
        await using var store = new BronzeStore(new S3Backend(fixture.Settings(run, partSize: S3Settings.MinPartSize)), "s3");
        var data = TestData.Bytes(11 * 1024 * 1024);
        var options = new UploadOptions { ContentMD5 = Convert.ToBase64String(new byte[16]), Length = data.Length };

        await Assert.ThrowsAsync<StorageIntegrityException>(() => store.UploadAsync(new ForwardOnly(data), "x.bin", options));

        Assert.Null(await store.StatAsync("x.bin")); // (s3rver has no ListMultipartUploads to look for parts; the upload is aborted)
    }

    /// <summary>A stream that cannot seek, as a pipe from another store.</summary>
    sealed class ForwardOnly(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
