using System.Net;
using Amazon.Runtime;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// Listings ask for URL-encoded keys (XML cannot carry every character a key may hold). AWS answers
/// encoded, and the SDK does not decode: the backend must. The S3 test server ignores encoding-type,
/// so this is a canned AWS answer (keys and prefixes encoded as AWS encodes them, '+' for space).
/// </summary>
public sealed class S3ListingEncodingTests
{
    const string AwsStyleAnswer = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>bronze%2F</Prefix>
        <KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
        <Contents><Key>bronze/system%3Dapi/run+books/a%2Bb%01.csv</Key><LastModified>2025-01-01T00:00:00.000Z</LastModified><ETag>"x"</ETag><Size>1</Size></Contents>
        <Contents><Key>bronze/100%25.csv</Key><LastModified>2025-01-01T00:00:00.000Z</LastModified><ETag>"y"</ETag><Size>2</Size></Contents>
        <CommonPrefixes><Prefix>bronze/table%3Dusers/</Prefix></CommonPrefixes></ListBucketResult>
        """;

    [Fact]
    public async Task Encoded_keys_and_prefixes_are_decoded()
    {
        var requests = new List<string>();
        var settings = new S3Settings { Bucket = "b", Prefix = "bronze", EndpointUrl = new Uri("http://127.0.0.1:9"), ForcePathStyle = true, AccessKey = "a", SecretKey = "b" };
        await using var backend = new S3Backend(settings, config => config.HttpClientFactory = new Canned(AwsStyleAnswer, requests));

        var page = await backend.ListPageAsync("bronze/", new ListOptions { Recursive = false }, null, CancellationToken.None);

        Assert.Contains("encoding-type=url", Assert.Single(requests));
        Assert.Equal(new[] { "bronze/system=api/run books/a+b\u0001.csv", "bronze/100%.csv" }, page.Objects.Select(o => o.Key));
        Assert.Equal(new[] { "bronze/table=users/" }, page.CommonPrefixes);
    }

    sealed class Canned(string xml, List<string> requests) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(xml, requests));

        sealed class Handler(string xml, List<string> requests) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                requests.Add(request.RequestUri!.ToString());
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent(xml, System.Text.Encoding.UTF8, "application/xml"),
                });
            }
        }
    }
}
