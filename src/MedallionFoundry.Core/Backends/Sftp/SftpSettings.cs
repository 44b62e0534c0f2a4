using System.Text.RegularExpressions;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>
/// Everything the SFTP backend reads from the platform config (the options of <see cref="SftpOptions"/>):
/// platform.bronze (sftp_host, sftp_port, sftp_path, sftp_prefix) and platform.sftp_connection (user,
/// password or private key, host key verification, pool size). Every bad value is a
/// <see cref="ConfigException"/> naming its key.
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

    /// <summary>Reads and validates the SFTP settings of a platform config (options declared in <see cref="SftpOptions"/>).</summary>
    public static SftpSettings FromConfig(PlatformConfig config)
    {
        var platform = config.Platform;
        var bronze = config.Bronze;
        var host = platform.String(SftpOptions.Host)!.Trim();
        if (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '/'))
            throw bronze.Error(SftpOptions.Host.Key, $"The key '{SftpOptions.Host.FullKey}' must be a host name or address, not '{host}'.");

        var root = platform.String(SftpOptions.RootPath)?.Trim();
        if (root is { Length: 0 }) root = null;
        if (root is not null && root.Any(char.IsControl))
            throw bronze.Error(SftpOptions.RootPath.Key, $"The key '{SftpOptions.RootPath.FullKey}' must not contain control characters.");
        if (root is not null && root.Replace('\\', '/').Split('/').Contains(".."))
            throw bronze.Error(SftpOptions.RootPath.Key, $"The key '{SftpOptions.RootPath.FullKey}' must not contain '..' segments, not '{root}'.");

        string prefix;
        try { prefix = RemotePath.NormalizeConfiguredPrefix(platform.String(SftpOptions.Prefix)); }
        catch (InvalidRemotePathException ex) { throw bronze.Error(SftpOptions.Prefix.Key, $"The key '{SftpOptions.Prefix.FullKey}' is not a valid prefix: {ex.Message}"); }

        var connection = config.Section(SectionName, required: true)!;
        string OneOf(OptionDeclaration first, OptionDeclaration second, string what)
        {
            if (platform.IsSet(first) && platform.IsSet(second))
                throw connection.Error(second.Key, $"Set only one of '{first.FullKey}' and '{second.FullKey}'.");
            if (!platform.IsSet(first) && !platform.IsSet(second))
                throw connection.Error(first.Key, $"The section '{connection.Path}' needs '{first.Key}' or '{second.Key}' ({what}).");
            return platform.String(platform.IsSet(first) ? first : second)!;
        }
        var user = OneOf(SftpOptions.UserNameEnv, SftpOptions.UserName, "the login name");

        var password = platform.String(SftpOptions.PasswordEnv);
        var privateKey = platform.String(SftpOptions.PrivateKeyPathEnv);
        var passphrase = platform.String(SftpOptions.PrivateKeyPassphraseEnv);
        if (password is null && privateKey is null)
            throw connection.Error(SftpOptions.PasswordEnv.Key,
                $"The section '{connection.Path}' needs '{SftpOptions.PasswordEnv.Key}' or '{SftpOptions.PrivateKeyPathEnv.Key}' (the names of environment variables holding the password or the key file's path).");
        if (passphrase is not null && privateKey is null)
            throw connection.Error(SftpOptions.PrivateKeyPassphraseEnv.Key,
                $"The key '{SftpOptions.PrivateKeyPassphraseEnv.FullKey}' is set but '{SftpOptions.PrivateKeyPathEnv.Key}' is not.");
        if (privateKey is not null && !LooksLikeKeyText(privateKey))
            privateKey = Path.GetFullPath(ExpandHome(privateKey.Trim()), config.BaseDirectory);

        var fingerprint = platform.String(SftpOptions.HostKeyFingerprintEnv)?.Trim();
        if (fingerprint is not null && !FingerprintPattern.IsMatch(fingerprint))
            throw connection.Error(SftpOptions.HostKeyFingerprintEnv.Key,
                $"The key '{SftpOptions.HostKeyFingerprintEnv.FullKey}' must name a variable holding a SHA256 fingerprint as 'ssh-keygen -lf' prints it (SHA256: and 43 base64 characters); {connection.DescribeVariable(SftpOptions.HostKeyFingerprintEnv.Key)} does not hold one.");
        var knownHosts = platform.String(SftpOptions.KnownHostsPath)?.Trim();
        if (fingerprint is not null && knownHosts is not null)
            throw connection.Error(SftpOptions.KnownHostsPath.Key,
                $"Set either '{SftpOptions.KnownHostsPath.FullKey}' or '{SftpOptions.HostKeyFingerprintEnv.FullKey}', not both.");

        return new SftpSettings
        {
            Host = host,
            Port = platform.Int(SftpOptions.Port)!.Value,
            RootPath = root,
            Prefix = prefix,
            UserName = user,
            Password = password,
            PrivateKey = privateKey,
            PrivateKeyPassphrase = passphrase,
            HostKeyFingerprint = fingerprint?.TrimEnd('='),
            KnownHostsPath = knownHosts is { Length: > 0 } ? Path.GetFullPath(ExpandHome(knownHosts), config.BaseDirectory) : DefaultKnownHostsPath,
            MaxConnections = platform.Int(SftpOptions.MaxConnections)!.Value,
            ConnectTimeout = platform.Duration(SftpOptions.ConnectTimeout)!.Value,
        };
    }

    /// <summary>A key handed over as text (a pipeline secret) rather than as a file path.</summary>
    internal static bool LooksLikeKeyText(string value) => value.TrimStart().StartsWith("-----BEGIN ", StringComparison.Ordinal);

    static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}
