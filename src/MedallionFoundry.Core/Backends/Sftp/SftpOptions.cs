using MedallionFoundry.Config;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>The SFTP backend's options, declared once (see <see cref="OptionDeclaration"/>).</summary>
public static class SftpOptions
{
    public const string Connection = "platform.sftp_connection";

    /// <summary>How the login proves itself: one of them must be set (both: the key is tried first).</summary>
    public const string LoginGroup = "login";

    /// <summary>Who logs in: the name from a variable (YAML, -Credential) or as a plain value (-UserName).</summary>
    public const string UserGroup = "user";

    public static readonly OptionDeclaration Host = new()
    {
        Key = "sftp_host", Required = true, Parameter = "HostName", Help = "Host name or address of the SFTP server.",
    };

    public static readonly OptionDeclaration Port = new()
    {
        Key = "sftp_port", Type = OptionType.Int, DefaultValue = SftpSettings.DefaultPort, Min = 1, Max = 65535, Parameter = "Port",
        Help = "TCP port of the SFTP server.",
    };

    public static readonly OptionDeclaration RootPath = new()
    {
        Key = "sftp_path", DefaultText = "the login's start folder", Parameter = "Path",
        Help = "The root folder on the server (must exist); nothing outside it is read, written or deleted. No '..' segments.",
    };

    public static readonly OptionDeclaration Prefix = new()
    {
        Key = "sftp_prefix", DefaultValue = "", DefaultText = "none", Parameter = "Prefix",
        Help = "Key prefix (a folder below the root) every remote path goes under.",
    };

    public static readonly OptionDeclaration UserNameEnv = new()
    {
        Key = "username_env", Section = Connection, Type = OptionType.EnvVarName, OneOfGroup = UserGroup,
        Parameter = "Credential", ParameterPart = CredentialPart.UserName,
        Help = "Name of the variable holding the login name.",
    };

    public static readonly OptionDeclaration UserName = new()
    {
        Key = "username", Section = Connection, OneOfGroup = UserGroup, Parameter = "UserName",
        Help = "The login name as a plain value (what -UserName sets, for key logins). Use one of the two user keys, not both.",
    };

    public static readonly OptionDeclaration PasswordEnv = new()
    {
        Key = "password_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true, OneOfGroup = LoginGroup,
        Parameter = "Credential", ParameterPart = CredentialPart.Password,
        Help = "Name of the variable holding the password.",
    };

    public static readonly OptionDeclaration PrivateKeyPathEnv = new()
    {
        Key = "private_key_path_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true, OneOfGroup = LoginGroup,
        Parameter = "PrivateKeyPath",
        Help = "Name of the variable holding the path of a private key file (OpenSSH, PEM or PuTTY), or the key text itself (starting with -----BEGIN).",
    };

    public static readonly OptionDeclaration PrivateKeyPassphraseEnv = new()
    {
        Key = "private_key_passphrase_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        Parameter = "PrivateKeyPassphrase", Help = "Name of the variable holding the private key's passphrase.",
    };

    public static readonly OptionDeclaration KnownHostsPath = new()
    {
        Key = "known_hosts_path", Section = Connection, Type = OptionType.Path, DefaultText = "~/.ssh/known_hosts", Parameter = "KnownHostsPath",
        Help = "OpenSSH known_hosts file the server's host key must be listed in; an unknown or changed key is refused.",
    };

    public static readonly OptionDeclaration HostKeyFingerprintEnv = new()
    {
        Key = "host_key_fingerprint_env", Section = Connection, Type = OptionType.EnvVarName, Parameter = "HostKeyFingerprint",
        Help = "Name of the variable holding the expected host key fingerprint (SHA256:..., as ssh-keygen -lf prints it), instead of known_hosts.",
    };

    public static readonly OptionDeclaration MaxConnections = new()
    {
        Key = "max_connections", Section = Connection, Type = OptionType.Int, DefaultValue = SftpSettings.DefaultMaxConnections, Min = 1, Max = 32,
        Help = "SSH connections kept open at most; also how many files the cmdlets transfer at once by default.",
    };

    public static readonly OptionDeclaration ConnectTimeout = new()
    {
        Key = "connect_timeout", Section = Connection, Type = OptionType.Duration, DefaultValue = TimeSpan.FromSeconds(30), Min = 0, MinExclusive = true, Max = 3600,
        Help = "Time allowed to connect and log in.",
    };

    public static IReadOnlyList<OptionDeclaration> All { get; } =
    [
        Host, Port, RootPath, Prefix, UserNameEnv, UserName, PasswordEnv, PrivateKeyPathEnv, PrivateKeyPassphraseEnv,
        KnownHostsPath, HostKeyFingerprintEnv, MaxConnections, ConnectTimeout,
    ];
}
