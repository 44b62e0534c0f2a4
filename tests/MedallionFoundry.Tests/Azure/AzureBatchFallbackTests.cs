using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Azure;

/// <summary>What happens when the service refuses a batch. Azurite supports batch, so the refusal is
/// injected by a pipeline policy (fault injection the server cannot produce); the rest is real.</summary>
public sealed class AzureBatchFallbackTests(AzureConnectionStringFixture fixture) : IClassFixture<AzureConnectionStringFixture>
{
    [Fact]
    public async Task A_service_without_batch_gets_bounded_single_deletes_and_is_not_asked_again()
    {
        var refuse = new RefuseBatch(400, "FeatureNotSupported");
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("nobatch"), AzureTestAuth.ConnectionString), refuse);
        var paths = Enumerable.Range(0, 40).Select(i => $"nb/part-{i:D2}.csv").ToList();
        foreach (var path in paths) await store.UploadAsync(new MemoryStream("x"u8.ToArray()), path);

        var first = await store.DeleteManyAsync(paths.Take(20).Append("nb/missing.csv"));
        var second = await store.DeleteManyAsync(paths.Skip(20));

        Assert.Empty(first);
        Assert.Empty(second);
        Assert.Equal(1, refuse.BatchAttempts);
        Assert.Equal(41, refuse.Requests.Count(r => r == "DELETE"));
        var left = new List<RemoteObject>();
        await foreach (var item in store.ListAsync("nb/")) left.Add(item);
        Assert.Empty(left);
    }

    [Fact]
    public async Task A_throttled_batch_is_a_transient_error_for_the_resilience_layer_to_retry()
    {
        var refuse = new RefuseBatch(503, "ServerBusy");
        await using var store = AzureTestConfig.Store(AzureTestConfig.Build(fixture.Container, TestData.UniqueName("busy"), AzureTestAuth.ConnectionString), refuse);
        await store.UploadAsync(new MemoryStream("x"u8.ToArray()), "b/one.csv");
        await store.UploadAsync(new MemoryStream("x"u8.ToArray()), "b/two.csv");

        await Assert.ThrowsAsync<StorageTransientException>(() => store.DeleteManyAsync(new[] { "b/one.csv", "b/two.csv" }));

        Assert.True(refuse.BatchAttempts >= 1);
        Assert.DoesNotContain("DELETE", refuse.Requests); // no fallback: the whole batch is retried later
        Assert.NotNull(await store.StatAsync("b/one.csv"));
    }

    /// <summary>Answers every batch request with an error of its own; passes everything else on.</summary>
    sealed class RefuseBatch(int status, string errorCode) : HttpPipelinePolicy
    {
        int _batchAttempts;
        readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

        public int BatchAttempts => _batchAttempts;
        public IReadOnlyList<string> Requests => _requests.ToList();

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            _requests.Enqueue(message.Request.Method.Method);
            if (message.Request.Uri.Query?.Contains("comp=batch") == true)
            {
                Interlocked.Increment(ref _batchAttempts);
                message.Response = new ErrorResponse(status, errorCode, message.Request.ClientRequestId);
                return;
            }
            await ProcessNextAsync(message, pipeline);
        }
    }

    sealed class ErrorResponse(int status, string errorCode, string clientRequestId) : Response
    {
        readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase)
        {
            ["x-ms-error-code"] = errorCode,
            ["x-ms-client-request-id"] = clientRequestId,
            ["Content-Length"] = "0",
        };

        public override int Status => status;
        public override string ReasonPhrase => errorCode;
        public override Stream? ContentStream { get; set; } = new MemoryStream();
        public override string ClientRequestId { get; set; } = clientRequestId;
        public override void Dispose() { }
        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));
        protected override bool TryGetHeader(string name, out string value) => _headers.TryGetValue(name, out value!);
        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var found = _headers.TryGetValue(name, out var value);
            values = found ? [value!] : [];
            return found;
        }
    }
}
