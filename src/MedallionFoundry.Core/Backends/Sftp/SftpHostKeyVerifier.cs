using System.Security.Cryptography;
using System.Text;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>
/// Decides whether the host key a server presents is the one expected: an exact SHA256 fingerprint
/// (host_key_fingerprint_env), or an entry of an OpenSSH known_hosts file for this host and port.
/// An unknown, changed or revoked key is refused with a message that shows the fingerprint seen:
/// nothing is trusted on first use. The check runs during key exchange, before any credential is sent.
/// </summary>
internal sealed class SftpHostKeyVerifier
{
    readonly string _host;
    readonly int _port;
    readonly string? _fingerprint;
    readonly string _knownHostsPath;

    public SftpHostKeyVerifier(SftpSettings settings)
    {
        _host = settings.Host;
        _port = settings.Port;
        _fingerprint = settings.HostKeyFingerprint;
        _knownHostsPath = settings.KnownHostsPath;
    }

    /// <summary>How OpenSSH names this host in known_hosts: "host", or "[host]:port" off port 22.</summary>
    string HostEntryName => _port == SftpSettings.DefaultPort ? _host.ToLowerInvariant() : $"[{_host.ToLowerInvariant()}]:{_port}";

    string Server => $"{_host}:{_port}";

    /// <summary>Null when the key is trusted, else why not (naming the fingerprint seen).</summary>
    public string? Refusal(byte[] hostKeyBlob)
    {
        var seen = "SHA256:" + Fingerprint(hostKeyBlob);
        var type = KeyType(hostKeyBlob);
        var presented = $"The SFTP server {Server} presented the {type} host key {seen}";
        const string NothingSent = "The connection was closed before any credential or data was sent.";

        if (_fingerprint is not null)
            return string.Equals(seen, _fingerprint, StringComparison.Ordinal) ? null
                : $"{presented}, but host_key_fingerprint_env expects {_fingerprint}. {NothingSent}";

        if (!File.Exists(_knownHostsPath))
            return $"{presented}, and the known_hosts file '{_knownHostsPath}' does not exist. If the server's administrator confirms this fingerprint, add the key (ssh-keyscan -p {_port} {_host} >> {_knownHostsPath}) or set host_key_fingerprint_env. {NothingSent}";

        var entries = ReadEntries().ToList();
        if (entries.Any(e => e.Revoked && e.Key.AsSpan().SequenceEqual(hostKeyBlob)))
            return $"{presented}, which is marked @revoked in '{_knownHostsPath}'. {NothingSent}";
        var forHost = entries.Where(e => !e.Revoked).ToList();
        if (forHost.Any(e => e.Key.AsSpan().SequenceEqual(hostKeyBlob)))
            return null;
        var sameType = forHost.FirstOrDefault(e => e.Type == type);
        if (sameType is not null)
            return $"{presented}, which does NOT match the {type} key recorded for {HostEntryName} in '{_knownHostsPath}' (line {sameType.Line}). The server's key was changed, or someone is intercepting the connection: ask the server's administrator before you replace the entry. {NothingSent}";
        return $"{presented}, which is not listed for {HostEntryName} in '{_knownHostsPath}'. If the server's administrator confirms this fingerprint, add the key (ssh-keyscan -p {_port} {_host} >> {_knownHostsPath}) or set host_key_fingerprint_env. {NothingSent}";
    }

    /// <summary>The key types known_hosts records for this host, so those algorithms are asked for first (as ssh does).</summary>
    public IReadOnlyList<string> RecordedKeyTypes() =>
        _fingerprint is not null || !File.Exists(_knownHostsPath)
            ? Array.Empty<string>()
            : ReadEntries().Where(e => !e.Revoked).Select(e => e.Type).Distinct().ToList();

    sealed record Entry(int Line, string Type, byte[] Key, bool Revoked);

    /// <summary>The entries of known_hosts that name this host (plain, hashed or wildcard patterns).
    /// @cert-authority lines are not supported and skipped.</summary>
    IEnumerable<Entry> ReadEntries()
    {
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(_knownHostsPath))
        {
            lineNumber++;
            var fields = raw.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#')) continue;
            var revoked = false;
            if (fields[0].StartsWith('@'))
            {
                if (fields[0] != "@revoked") continue;
                revoked = true;
                fields = fields[1..];
            }
            if (fields.Length < 3 || !MatchesHost(fields[0])) continue;
            byte[] key;
            try { key = Convert.FromBase64String(fields[2]); }
            catch (FormatException) { continue; }
            yield return new Entry(lineNumber, fields[1], key, revoked);
        }
    }

    bool MatchesHost(string patterns)
    {
        var name = HostEntryName;
        if (patterns.StartsWith("|1|", StringComparison.Ordinal))
            return MatchesHashed(patterns, name);
        var matched = false;
        foreach (var pattern in patterns.Split(','))
        {
            var negated = pattern.StartsWith('!');
            if (!Glob(negated ? pattern[1..] : pattern, name)) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    /// <summary>HashKnownHosts entries: |1|base64(salt)|base64(HMAC-SHA1(salt, name)).</summary>
    static bool MatchesHashed(string field, string name)
    {
        var parts = field.Split('|');
        if (parts.Length != 4) return false;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            return HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name)).AsSpan().SequenceEqual(expected);
        }
        catch (FormatException) { return false; }
    }

    /// <summary>OpenSSH host patterns: '*' any run of characters, '?' one character, case-insensitive.</summary>
    static bool Glob(string pattern, string text)
    {
        pattern = pattern.ToLowerInvariant();
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>The SHA256 fingerprint as ssh-keygen -lf prints it (unpadded base64, without "SHA256:").</summary>
    public static string Fingerprint(byte[] hostKeyBlob) => Convert.ToBase64String(SHA256.HashData(hostKeyBlob)).TrimEnd('=');

    /// <summary>The key type named at the start of an SSH public key blob ("ssh-ed25519", "ssh-rsa", ...).</summary>
    public static string KeyType(byte[] blob)
    {
        if (blob.Length < 4) return "unknown";
        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        return length > 0 && length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, length) : "unknown";
    }
}
