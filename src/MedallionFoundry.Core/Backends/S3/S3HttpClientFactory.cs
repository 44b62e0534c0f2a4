using Amazon.Runtime;
using MedallionFoundry.Backends.Http;

namespace MedallionFoundry.Backends.S3;

/// <summary>Gives the S3 client one HttpClient whose requests are bounded by the stall timeout.</summary>
internal sealed class S3HttpClientFactory(TimeSpan stallTimeout) : HttpClientFactory
{
    readonly Lazy<HttpClient> _client = new(() => StallTimeoutHandler.CreateClient(stallTimeout));

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client.Value;

    // One client for the connection's lifetime: the SDK must neither cache copies nor dispose it.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
}
