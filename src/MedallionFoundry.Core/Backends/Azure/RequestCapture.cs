using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// A transport that sends nothing: it records the request the SDK's pipeline built (signed by the
/// SDK's own shared-key, SAS or token policy) and answers 202. This is how batch sub-requests are
/// authenticated without re-implementing any signing scheme.
/// </summary>
internal sealed class RequestCaptureTransport : HttpPipelineTransport
{
    public override Request CreateRequest() => HttpClientTransport.Shared.CreateRequest();

    public override void Process(HttpMessage message) => message.Response = new CapturedResponse(Capture(message.Request));

    public override ValueTask ProcessAsync(HttpMessage message)
    {
        Process(message);
        return ValueTask.CompletedTask;
    }

    static BatchSubRequest Capture(Request request)
    {
        // Only what the service reads: the signature and the x-ms-* headers it covers.
        var headers = request.Headers
            .Where(h => h.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                || h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, string>(h.Name, h.Value))
            .ToList();
        return new BatchSubRequest(request.Method.Method, request.Uri.ToUri().PathAndQuery, headers);
    }
}

/// <summary>The 202 a captured request "receives"; it carries the captured request back to the caller.</summary>
internal sealed class CapturedResponse(BatchSubRequest request) : Response
{
    public BatchSubRequest Request { get; } = request;

    public override int Status => 202;
    public override string ReasonPhrase => "Accepted (captured, not sent)";
    public override Stream? ContentStream { get; set; }
    public override string ClientRequestId { get; set; } = "";
    public override void Dispose() { }
    protected override bool ContainsHeader(string name) => false;
    protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];
    protected override bool TryGetHeader(string name, out string value) { value = null!; return false; }
    protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values) { values = null!; return false; }
}

/// <summary>
/// Sub-requests of a batch must not carry x-ms-version (the batch request has it). Runs per call,
/// so before the SDK's signing policy: the signature then matches what is sent.
/// </summary>
internal sealed class RemoveVersionHeaderPolicy : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.Remove("x-ms-version");
}
