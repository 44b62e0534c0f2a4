using System.Collections.Concurrent;
using Amazon.Runtime;

namespace MedallionFoundry.Tests.S3;

/// <summary>Counts the HTTP requests an S3 client really sends (retries included), by method and
/// query, through the SDK's HttpClientFactory hook.</summary>
public sealed class RequestCounter : HttpClientFactory
{
    readonly ConcurrentQueue<string> _requests = new();
    readonly ConcurrentQueue<string> _ranges = new();

    /// <summary>Every request as "METHOD path?query", in the order sent.</summary>
    public IReadOnlyList<string> Requests => _requests.ToList();

    /// <summary>The Range header of every request that had one ("bytes=0-99"), in the order sent.</summary>
    public IReadOnlyList<string> Ranges => _ranges.ToList();

    public int Count(Func<string, bool> match) => _requests.Count(match);

    /// <summary>DeleteObjects is "POST /bucket?delete".</summary>
    public int DeleteObjectsRequests => Count(r => r.StartsWith("POST ", StringComparison.Ordinal) && r.Contains("?delete", StringComparison.Ordinal));

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new CountingHandler(_requests, _ranges) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    sealed class CountingHandler(ConcurrentQueue<string> requests, ConcurrentQueue<string> ranges) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Enqueue($"{request.Method} {request.RequestUri?.PathAndQuery}");
            if (request.Headers.Range is { } range) ranges.Enqueue(range.ToString());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
