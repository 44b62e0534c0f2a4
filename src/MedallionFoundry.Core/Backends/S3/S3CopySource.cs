using System.Text;
using Amazon.Runtime;
using Amazon.S3;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// Sends x-amz-copy-source (CopyObject, UploadPartCopy) path-encoded, as RFC 3986 writes a path:
/// '/', '=' and the other sub-delimiters as they are; space, '+', '%', '?', '#', controls and
/// non-ASCII percent-encoded. The SDK percent-encodes every reserved character, '/' and '=' too.
/// S3 reads both forms alike, but S3-compatible servers that decode the header as a URI path
/// (@20minutes/s3rver 5.0 uses decodeURI, which leaves %2F and %3D alone) then find no bucket, and
/// bronze keys are full of '='. The header is rewritten before the request is signed.
/// </summary>
internal static class S3CopySource
{
    const string Header = "x-amz-copy-source";

    public static void Install(AmazonS3Client client) => ((AmazonServiceClient)client).BeforeRequestEvent += Rewrite;

    static void Rewrite(object sender, RequestEventArgs e)
    {
        if (e is WebServiceRequestEventArgs request && request.Headers.TryGetValue(Header, out var value) && value is not null)
            request.Headers[Header] = Encode(Uri.UnescapeDataString(value));
    }

    internal static string Encode(string source)
    {
        var text = new StringBuilder(source.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(source))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "-._~/!$&'()*,;=:@".Contains(c)) text.Append(c);
            else text.Append('%').Append(b.ToString("X2"));
        }
        return text.ToString();
    }
}
