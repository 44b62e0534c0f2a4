using System.Text.RegularExpressions;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>
/// Everything the SFTP backend reads from the platform config: platform.bronze (sftp_host, sftp_port,
/// sftp_path, sftp_prefix) and platform.sftp_connection (user, password or private key, host key
/// verification, pool size). Every bad value is a <see cref="ConfigException"/> naming its key.
/// Holds the resolved secrets: never print it (ToString shows the location only).
/// </summary>
public sealed class SftpSettings
{
    public const string SectionName = "sftp_connection";
    public const int DefaultPort = 22;
    public const int DefaultMaxConnections = 4;

    public required string Host { get; init; }

    public int Port { get; init; } = DefaultPort;

    /// <summary>The root folder on the server; null means the login's start folder.</summary>
    public string? RootPath { get; init; }

    /// <summary>Normalised key prefix ("" for none), under the root.</summary>
    public string Prefix { get; init; } = "";

    public required string UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>A private key: the path of a key file, or the key itself (PEM/OpenSSH text from a secret variable).</summary>
    public string? PrivateKey { get; init; }

    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>The expected host key fingerprint ("SHA256:..."); when set, known_hosts is not read.</summary>
    public string? HostKeyFingerprint { get; init; }

    /// <summary>The OpenSSH known_hosts file the host key must be listed in (when no fingerprint is given).</summary>
    public string KnownHostsPath { get; init; } = DefaultKnownHostsPath;

    /// <summary>SFTP connections (SSH sessions) the backend keeps open at most.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static string DefaultKnownHostsPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>"sftp://user@host:port/root/prefix": for display, without secrets.</summary>
    public string Location =>
        $"sftp://{UserName}@{Host}{(Port == DefaultPort ? "" : ":" + Port)}/{(RootPath ?? "~").TrimStart('/')}" + (Prefix.Length == 0 ? "" : "/" + Prefix);

    public override string ToString() => Location;

    static readonly Regex FingerprintPattern = new(@"^SHA256:[A-Za-z0-9+/]{43}=?$", RegexOptions.CultureInvariant);

    public static SftpSettings FromConfig(PlatformConfig config)
    {
        var bronze = config.Bronze;
        var host = bronze.GetString("sftp_host", required: true)!.Trim();
        if (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '/'))
            throw bronze.Error("sftp_host", $"The key 'platform.bronze.sftp_host' must be a host name or address, not '{host}'.");
        var port = bronze.GetInt("sftp_port", 1, 65535) ?? DefaultPort;

        var root = bronze.GetString("sftp_path")?.Trim();
        if (root is { Length: 0 }) root = null;
        if (root is not null && root.Any(char.IsControl))
            throw bronze.Error("sftp_path", "The key 'platform.bronze.sftp_path' must not contain control characters.");
        if (root is not null && root.Replace('\\', '/').Split('/').Contains(".."))
            throw bronze.Error("sftp_path", $"The key 'platform.bronze.sftp_path' must not contain '..' segments, not '{root}'.");

        string prefix;
        try { prefix = RemotePath.NormalizeConfiguredPrefix(bronze.GetString("sftp_prefix")); }
        catch (InvalidRemotePathException ex) { throw bronze.Error("sftp_prefix", $"The key 'platform.bronze.sftp_prefix' is not a valid prefix: {ex.Message}"); }

        var connection = config.Section(SectionName, required: true)!;
        var user = connection.GetFromEnvironment("username_env", required: true)!;
        var password = connection.GetFromEnvironment("password_env");
        var privateKey = connection.GetFromEnvironment("private_key_path_env");
        var passphrase = connection.GetFromEnvironment("private_key_passphrase_env");
        if (password is null && privateKey is null)
            throw connection.Error("password_env",
                $"The section '{connection.Path}' needs 'password_env' or 'private_key_path_env' (the names of environment variables holding the password or the key file's path).");
        if (passphrase is not null && privateKey is null)
            throw connection.Error("private_key_passphrase_env",
                $"The key '{connection.KeyPath("private_key_passphrase_env")}' is set but 'private_key_path_env' is not.");
        if (privateKey is not null && !LooksLikeKeyText(privateKey))
            privateKey = Path.GetFullPath(ExpandHome(privateKey.Trim()), config.BaseDirectory);

        var fingerprint = connection.GetFromEnvironment("host_key_fingerprint_env")?.Trim();
        if (fingerprint is not null && !FingerprintPattern.IsMatch(fingerprint))
            throw connection.Error("host_key_fingerprint_env",
                $"The key '{connection.KeyPath("host_key_fingerprint_env")}' must name a variable holding a SHA256 fingerprint as 'ssh-keygen -lf' prints it (SHA256: and 43 base64 characters).");
        var knownHosts = connection.GetString("known_hosts_path")?.Trim();
        if (fingerprint is not null && knownHosts is not null)
            throw connection.Error("known_hosts_path",
                $"Set either '{connection.KeyPath("known_hosts_path")}' or '{connection.KeyPath("host_key_fingerprint_env")}', not both.");

        return new SftpSettings
        {
            Host = host,
            Port = port,
            RootPath = root,
            Prefix = prefix,
            UserName = user,
            Password = password,
            PrivateKey = privateKey,
            PrivateKeyPassphrase = passphrase,
            HostKeyFingerprint = fingerprint is null ? null : fingerprint.TrimEnd('='),
            KnownHostsPath = knownHosts is { Length: > 0 } ? Path.GetFullPath(ExpandHome(knownHosts), config.BaseDirectory) : DefaultKnownHostsPath,
            MaxConnections = connection.GetInt("max_connections", 1, 32) ?? DefaultMaxConnections,
            ConnectTimeout = connection.GetDuration("connect_timeout") ?? TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>A key handed over as text (a pipeline secret) rather than as a file path.</summary>
    internal static bool LooksLikeKeyText(string value) => value.TrimStart().StartsWith("-----BEGIN ", StringComparison.Ordinal);

    static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}
