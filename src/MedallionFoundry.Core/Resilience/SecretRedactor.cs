using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace MedallionFoundry.Resilience;

/// <summary>
/// The one redactor for every message the module writes (errors, verbose, debug, warnings, ##vso lines).
/// It replaces the values of every option declared sensitive (the binder remembers them as it reads
/// them) and the well-known secret shapes: SAS signatures, account keys, connection string parts,
/// passwords, tokens and S3 signatures.
/// </summary>
public static partial class SecretRedactor
{
    public const string Mask = "REDACTED";

    /// <summary>Secrets shorter than this are not searched for (they would mask ordinary words).</summary>
    const int ShortestRemembered = 4;

    static readonly ConcurrentDictionary<string, byte> Remembered = new(StringComparer.Ordinal);

    [GeneratedRegex(@"(?i)\b(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|se|sv|skoid|sktid|skt|ske|sks|skv|saoid|suoid|scid)=[^&\s""';]+")]
    private static partial Regex QueryParameter();

    [GeneratedRegex(@"(?i)\b(AccountKey|SharedAccessSignature|SharedAccessKey|password|pwd|secret|client_secret|token|aws_secret_access_key)\s*[=:]\s*[^;&\s""']+")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"(?i)(Authorization:\s*)\S.*")]
    private static partial Regex AuthorizationHeader();

    /// <summary>Remembers the value of a sensitive option, so that it is masked wherever it turns up later.</summary>
    public static void Remember(string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return;
        var trimmed = secret.Trim();
        if (trimmed.Length >= ShortestRemembered) Remembered.TryAdd(trimmed, 0);
    }

    public static string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var secret in Remembered.Keys)
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        text = QueryParameter().Replace(text, m => m.Groups[1].Value + "=" + Mask);
        text = KeyValue().Replace(text, m => m.Groups[1].Value + "=" + Mask);
        return AuthorizationHeader().Replace(text, m => m.Groups[1].Value + Mask);
    }
}
