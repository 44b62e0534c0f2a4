using System.Text;
using MedallionFoundry.Backends.Azure;

namespace MedallionFoundry.Tests.Azure;

/// <summary>The batch wire format on its own (the Azurite tests prove it end to end).</summary>
public sealed class BlobBatchBodyTests
{
    [Fact]
    public void The_request_body_has_one_application_http_part_per_sub_request()
    {
        var requests = Enumerable.Range(0, 3).Select(i => new BatchSubRequest("DELETE", $"/bronze/p/f{i}.csv",
            [new("x-ms-date", "Thu, 01 Jan 2026 00:00:00 GMT"), new("Authorization", $"SharedKey acct:sig{i}")])).ToList();

        var body = Encoding.UTF8.GetString(BlobBatchBody.Build(requests, "batch_b"));

        Assert.Equal(4, body.Split("--batch_b").Length - 1); // 3 parts + the closing delimiter
        Assert.Contains("Content-ID: 2\r\n\r\nDELETE /bronze/p/f2.csv HTTP/1.1\r\nx-ms-date: Thu, 01 Jan 2026 00:00:00 GMT\r\nAuthorization: SharedKey acct:sig2\r\nContent-Length: 0\r\n\r\n", body);
        Assert.EndsWith("--batch_b--\r\n", body);
    }

    [Fact]
    public void More_than_256_sub_requests_are_refused()
    {
        var requests = Enumerable.Range(0, 257).Select(i => new BatchSubRequest("DELETE", $"/c/{i}", [])).ToList();

        Assert.Throws<ArgumentOutOfRangeException>(() => BlobBatchBody.Build(requests, "b"));
    }

    [Fact]
    public void The_response_is_parsed_into_status_and_error_code_by_content_id()
    {
        const string response = "--batchresponse_x\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n" +
            "HTTP/1.1 404 The specified blob does not exist.\r\nx-ms-error-code: BlobNotFound\r\nContent-Length: 0\r\n\r\n" +
            "--batchresponse_x\r\nContent-Type: application/http\r\nContent-ID: 0\r\n\r\n" +
            "HTTP/1.1 202 Accepted\r\nx-ms-delete-type-permanent: true\r\n\r\n" +
            "--batchresponse_x\r\nContent-Type: application/http\r\nContent-ID: 2\r\n\r\n" +
            "HTTP/1.1 403 Forbidden\r\nx-ms-error-code: AuthorizationPermissionMismatch\r\nContent-Type: application/xml\r\n\r\n<?xml version=\"1.0\"?><Error/>\r\n" +
            "--batchresponse_x--\r\n";

        var parsed = BlobBatchBody.Parse(BlobBatchBody.BoundaryOf("multipart/mixed; boundary=batchresponse_x")!, Encoding.UTF8.GetBytes(response));

        Assert.Equal(new[] { new BatchSubResponse(1, 404, "BlobNotFound"), new BatchSubResponse(0, 202, null), new BatchSubResponse(2, 403, "AuthorizationPermissionMismatch") }, parsed);
    }
}
