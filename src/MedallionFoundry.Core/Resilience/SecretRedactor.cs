using System.Text.RegularExpressions;

namespace MedallionFoundry.Resilience;

/// <summary>
/// Last line of defence for text that may quote a request: SAS signatures, account keys, connection
/// string parts and S3 signatures are replaced before anything is written to a stream or log.
/// </summary>
public static partial class SecretRedactor
{
    [GeneratedRegex(@"(?i)\b(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|se|sv|skoid|sktid|skt|ske|sks|skv|saoid|suoid|scid)=[^&\s""';]+")]
    private static partial Regex QueryParameter();

    [GeneratedRegex(@"(?i)\b(AccountKey|SharedAccessSignature|SharedAccessKey|password|secret|client_secret|aws_secret_access_key)\s*[=:]\s*[^;\s""']+")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"(?i)(Authorization:\s*)\S.*")]
    private static partial Regex AuthorizationHeader();

    public static string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        text = QueryParameter().Replace(text, m => m.Groups[1].Value + "=REDACTED");
        text = KeyValue().Replace(text, m => m.Groups[1].Value + "=REDACTED");
        return AuthorizationHeader().Replace(text, m => m.Groups[1].Value + "REDACTED");
    }
}
