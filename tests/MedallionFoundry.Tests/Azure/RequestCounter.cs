using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace MedallionFoundry.Tests.Azure;

/// <summary>Sees every HTTP request the backend sends (retries included) and records "METHOD query".</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    readonly ConcurrentQueue<string> _requests = new();

    public IReadOnlyList<string> Requests => _requests.ToList();

    public int Count => _requests.Count;

    public int CountWhere(Func<string, bool> predicate) => _requests.Count(predicate);

    public void Reset() => _requests.Clear();

    public override void OnSendingRequest(HttpMessage message) =>
        _requests.Enqueue($"{message.Request.Method} {message.Request.Uri.Query}");
}
