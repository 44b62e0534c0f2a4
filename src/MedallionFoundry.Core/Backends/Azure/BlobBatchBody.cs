using System.Globalization;
using System.Text;

namespace MedallionFoundry.Backends.Azure;

/// <summary>One HTTP request to embed in a batch: already authenticated by the SDK's own pipeline.</summary>
internal sealed record BatchSubRequest(string Method, string PathAndQuery, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>The outcome of one sub-request, matched to it by Content-ID.</summary>
internal sealed record BatchSubResponse(int ContentId, int Status, string? ErrorCode);

/// <summary>
/// The Blob Batch wire format (POST {container}?restype=container&amp;comp=batch): a multipart/mixed
/// body of application/http parts, one per sub-request, and a multipart/mixed response of the same
/// shape. Pure text functions, unit-testable without a server.
/// </summary>
internal static class BlobBatchBody
{
    /// <summary>The service's limit per batch.</summary>
    public const int MaxSubRequests = 256;

    const string NewLine = "\r\n";

    public static string NewBoundary() => $"batch_{Guid.NewGuid():D}";

    public static string ContentType(string boundary) => $"multipart/mixed; boundary={boundary}";

    public static byte[] Build(IReadOnlyList<BatchSubRequest> requests, string boundary)
    {
        if (requests.Count is 0 or > MaxSubRequests)
            throw new ArgumentOutOfRangeException(nameof(requests), $"A blob batch holds 1 to {MaxSubRequests} sub-requests, not {requests.Count}.");
        var text = new StringBuilder();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            text.Append("--").Append(boundary).Append(NewLine)
                .Append("Content-Type: application/http").Append(NewLine)
                .Append("Content-Transfer-Encoding: binary").Append(NewLine)
                .Append("Content-ID: ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(NewLine)
                .Append(NewLine)
                .Append(request.Method).Append(' ').Append(request.PathAndQuery).Append(" HTTP/1.1").Append(NewLine);
            foreach (var (name, value) in request.Headers)
                text.Append(name).Append(": ").Append(value).Append(NewLine);
            text.Append("Content-Length: 0").Append(NewLine)
                .Append(NewLine);
        }
        text.Append("--").Append(boundary).Append("--").Append(NewLine);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The boundary parameter of a multipart Content-Type, or null.</summary>
    public static string? BoundaryOf(string? contentType)
    {
        if (contentType is null) return null;
        foreach (var parameter in contentType.Split(';').Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim().Equals("boundary", StringComparison.OrdinalIgnoreCase))
                return pair[1].Trim().Trim('"');
        }
        return null;
    }

    /// <summary>Parses a batch response body into one entry per sub-response.</summary>
    public static IReadOnlyList<BatchSubResponse> Parse(string boundary, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body).Replace("\r\n", "\n");
        var results = new List<BatchSubResponse>();
        var parts = text.Split("--" + boundary);
        var ordinal = 0;
        foreach (var rawPart in parts.Skip(1))
        {
            if (rawPart.StartsWith("--", StringComparison.Ordinal)) break; // closing delimiter
            var part = rawPart.TrimStart('\n');
            var split = part.IndexOf("\n\n", StringComparison.Ordinal);
            if (split < 0) continue;
            var contentId = ordinal;
            foreach (var line in part[..split].Split('\n'))
                if (TryHeader(line, "Content-ID", out var id) && int.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                    contentId = parsed;

            var http = part[(split + 2)..].Split('\n');
            var statusLine = http.FirstOrDefault(l => l.StartsWith("HTTP/", StringComparison.Ordinal));
            if (statusLine is null) continue;
            var fields = statusLine.Split(' ', 3);
            if (fields.Length < 2 || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var status)) continue;
            string? errorCode = null;
            foreach (var line in http.SkipWhile(l => l != statusLine).Skip(1).TakeWhile(l => l.Length > 0))
                if (TryHeader(line, "x-ms-error-code", out var code)) errorCode = code;
            results.Add(new BatchSubResponse(contentId, status, errorCode));
            ordinal++;
        }
        return results;
    }

    static bool TryHeader(string line, string name, out string value)
    {
        value = "";
        var colon = line.IndexOf(':');
        if (colon <= 0 || !line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return false;
        value = line[(colon + 1)..].Trim();
        return true;
    }
}
