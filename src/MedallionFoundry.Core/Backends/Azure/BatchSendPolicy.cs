using Azure.Core;
using Azure.Core.Pipeline;

namespace MedallionFoundry.Backends.Azure;

/// <summary>A batch waiting to be sent, and what came back.</summary>
internal sealed class BatchEnvelope(string containerPath, string contentType, byte[] body)
{
    public string ContainerPath { get; } = containerPath;
    public string ContentType { get; } = contentType;
    public byte[] Body { get; } = body;
    public int Status { get; set; }
    public string? ResponseContentType { get; set; }
    public byte[]? ResponseBody { get; set; }
}

/// <summary>
/// Sends a blob batch through the container client's own pipeline (so its authentication, retries
/// and service version apply): while <see cref="Pending"/> is set, the next request made on this
/// async flow is turned into POST {container}?restype=container&amp;comp=batch with the batch body.
/// The SDK has no public way to send an arbitrary request on a client's pipeline; this is it.
/// Runs per call: before the retry and signing policies, which then sign the rewritten request.
/// </summary>
internal sealed class BatchSendPolicy : HttpPipelinePolicy
{
    public static readonly AsyncLocal<BatchEnvelope?> Pending = new();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var envelope = Take(message);
        ProcessNext(message, pipeline);
        if (envelope is not null) Keep(envelope, message);
    }

    /// <remarks>Every other request (all but batches) passes straight through, with no async state machine of
    /// its own: less per request, and nothing more to JIT-compile before the first one.</remarks>
    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var envelope = Take(message);
        return envelope is null ? ProcessNextAsync(message, pipeline) : SendBatchAsync(envelope, message, pipeline);
    }

    static async ValueTask SendBatchAsync(BatchEnvelope envelope, HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Keep(envelope, message);
    }

    static BatchEnvelope? Take(HttpMessage message)
    {
        var envelope = Pending.Value;
        if (envelope is null) return null;
        Pending.Value = null; // one request per envelope
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Path = envelope.ContainerPath;
        // Keep an existing query (a SAS from a connection string), drop the operation's own parameters.
        var kept = (request.Uri.Query ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("restype=", StringComparison.Ordinal) && !p.StartsWith("comp=", StringComparison.Ordinal))
            .ToList();
        request.Uri.Query = "?" + string.Join('&', kept.Prepend("comp=batch").Prepend("restype=container"));
        request.Headers.Remove("x-ms-delete-snapshots");
        request.Headers.SetValue("Content-Type", envelope.ContentType);
        request.Content = RequestContent.Create(envelope.Body);
        return envelope;
    }

    static void Keep(BatchEnvelope envelope, HttpMessage message)
    {
        if (!message.HasResponse) return;
        var response = message.Response;
        envelope.Status = response.Status;
        envelope.ResponseContentType = response.Headers.ContentType;
        if (response.ContentStream is { } stream)
        {
            using var copy = new MemoryStream();
            if (stream.CanSeek) stream.Position = 0;
            stream.CopyTo(copy);
            if (stream.CanSeek) stream.Position = 0;
            envelope.ResponseBody = copy.ToArray();
        }
    }
}
