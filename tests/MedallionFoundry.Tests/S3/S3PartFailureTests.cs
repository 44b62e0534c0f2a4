using System.Net;
using System.Text;
using Amazon.Runtime;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.S3;

/// <summary>A multipart upload of a forward-only stream in which one part is refused reports that refusal, not
/// the cancellation it caused in the loop that reads and hands out parts (which read as a timeout and was retried);
/// as the Azure block upload does (AzureBlockFailureTests).</summary>
public sealed class S3PartFailureTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    [Fact]
    public async Task A_part_that_is_refused_is_reported_as_refused_not_as_a_timeout()
    {
        var settings = fixture.Settings(S3Fixture.UniquePrefix("partfail"), partSize: S3Settings.MinPartSize); // 4 parts in flight
        var backend = new S3Backend(settings, config => config.HttpClientFactory = new RefusePart(3));
        await using var store = new BronzeStore(backend, "test", new ResilientOperationRunner(new ResilienceSettings { MaxAttempts = 1 }));
        var data = TestData.Bytes(8 * (int)S3Settings.MinPartSize, seed: 5);

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.UploadAsync(new ForwardOnly(data), "pf/big.bin"));

        Assert.DoesNotContain("timed out", error.Message);
        Assert.Null(await store.StatAsync("pf/big.bin")); // nothing was completed
    }

    /// <summary>A stream that cannot seek, as a pipe from another store (so the upload goes part by part from memory).</summary>
    sealed class ForwardOnly(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    /// <summary>Answers part <paramref name="which"/> with 403 AccessDenied at once, and holds every other part for
    /// a moment: the loop that hands out parts is then waiting for a free slot when the refusal comes.</summary>
    sealed class RefusePart(int which) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new Handler(which) { InnerHandler = new SocketsHttpHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        sealed class Handler(int which) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var query = request.RequestUri?.Query ?? "";
                if (request.Method == HttpMethod.Put && query.Contains("partNumber="))
                {
                    if (query.Contains($"partNumber={which}&") || query.EndsWith($"partNumber={which}"))
                        return new HttpResponseMessage(HttpStatusCode.Forbidden)
                        {
                            Content = new StringContent("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
                                Encoding.UTF8, "application/xml"),
                        };
                    await Task.Delay(500, cancellationToken);
                }
                return await base.SendAsync(request, cancellationToken);
            }
        }
    }
}
