using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Sftp;
using MedallionFoundry.Config;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>The SFTP config keys: defaults, and bad values failing with errors that name the key (never a secret).</summary>
public sealed class SftpSettingsTests
{
    static readonly Dictionary<string, string> Variables = new()
    {
        ["PARTNER_SFTP_USER"] = "drop",
        ["PARTNER_SFTP_PASSWORD"] = "p4ss-w0rd-value",
        ["PARTNER_SFTP_KEY"] = "/keys/id_ed25519",
        ["PARTNER_SFTP_PASSPHRASE"] = "key-passphrase-value",
        ["PARTNER_SFTP_FP"] = "SHA256:6MJqiZOkfXuNypzaRyqssALF/9X6O6T/AU2HDAel4R4",
        ["BAD_FP"] = "MD5:97:70:33",
    };

    const string Bronze = "storage_backend: sftp\n    sftp_host: sftp.partner.example\n    sftp_path: /drop\n    sftp_prefix: bronze/";

    static SftpSettings Parse(string connection, string bronze = Bronze)
    {
        var yaml = $"platform:\n  bronze:\n    {bronze}\n" + (connection.Length == 0 ? "" : $"  sftp_connection:\n{Indent(connection)}");
        return SftpSettings.FromConfig(PlatformConfig.Parse(yaml, "platform.yaml", name => Variables.GetValueOrDefault(name)));
    }

    static string Indent(string lines) => string.Join("", lines.Split('\n').Select(l => $"    {l}\n"));

    static ConfigException Fails(string connection, string bronze = Bronze) => Assert.Throws<ConfigException>(() => Parse(connection, bronze));

    [Fact]
    public void A_password_login_with_defaults()
    {
        var settings = Parse("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD");

        Assert.Equal("sftp.partner.example", settings.Host);
        Assert.Equal(22, settings.Port);
        Assert.Equal("/drop", settings.RootPath);
        Assert.Equal("bronze", settings.Prefix);
        Assert.Equal("drop", settings.UserName);
        Assert.Equal("p4ss-w0rd-value", settings.Password);
        Assert.Null(settings.HostKeyFingerprint);
        Assert.Equal(SftpSettings.DefaultKnownHostsPath, settings.KnownHostsPath);
        Assert.EndsWith(Path.Combine(".ssh", "known_hosts"), settings.KnownHostsPath);
        Assert.Equal(4, settings.MaxConnections);
        Assert.Equal("sftp://drop@sftp.partner.example/drop/bronze", settings.ToString());
    }

    [Fact]
    public void A_key_login_with_a_fingerprint_and_a_port()
    {
        var settings = Parse("username_env: PARTNER_SFTP_USER\nprivate_key_path_env: PARTNER_SFTP_KEY\nprivate_key_passphrase_env: PARTNER_SFTP_PASSPHRASE\nhost_key_fingerprint_env: PARTNER_SFTP_FP\nmax_connections: 2",
            Bronze + "\n    sftp_port: 2222");

        Assert.Equal(2222, settings.Port);
        Assert.Equal("/keys/id_ed25519", settings.PrivateKey);
        Assert.Equal("key-passphrase-value", settings.PrivateKeyPassphrase);
        Assert.Equal("SHA256:6MJqiZOkfXuNypzaRyqssALF/9X6O6T/AU2HDAel4R4", settings.HostKeyFingerprint);
        Assert.Equal(2, settings.MaxConnections);
        Assert.DoesNotContain("passphrase-value", settings.ToString());
    }

    [Theory]
    [InlineData("username_env: PARTNER_SFTP_USER", "password_env")]
    [InlineData("password_env: PARTNER_SFTP_PASSWORD", "username_env")]
    [InlineData("username_env: PARTNER_SFTP_USER\npassword_env: NOT_SET_ANYWHERE", "password_env")]
    [InlineData("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD\nhost_key_fingerprint_env: BAD_FP", "host_key_fingerprint_env")]
    [InlineData("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD\nhost_key_fingerprint_env: PARTNER_SFTP_FP\nknown_hosts_path: ~/.ssh/known_hosts", "known_hosts_path")]
    [InlineData("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD\nprivate_key_passphrase_env: PARTNER_SFTP_PASSPHRASE", "private_key_passphrase_env")]
    [InlineData("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD\nmax_connections: 0", "max_connections")]
    public void Bad_connection_settings_name_the_key(string connection, string key)
    {
        var error = Fails(connection);

        Assert.Equal($"platform.sftp_connection.{key}", error.Key);
        foreach (var secret in new[] { "p4ss-w0rd-value", "key-passphrase-value" })
            Assert.DoesNotContain(secret, error.Message);
    }

    [Fact]
    public void The_login_name_may_be_a_plain_value_but_not_both()
    {
        Assert.Equal("partner", Parse("username: partner\nprivate_key_path_env: PARTNER_SFTP_KEY").UserName);

        var both = Fails("username: partner\nusername_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD");
        Assert.Equal("platform.sftp_connection.username", both.Key);
    }

    [Fact]
    public void A_typo_in_the_connection_section_is_an_error()
    {
        var yaml = $"platform:\n  bronze:\n    {Bronze}\n  sftp_connection:\n{Indent("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD\nknown_host_path: /x")}";
        var config = PlatformConfig.Parse(yaml, "platform.yaml", name => Variables.GetValueOrDefault(name));

        var error = Assert.Throws<ConfigException>(() => BackendRegistry.CreateWithBuiltIns().Create(config));
        Assert.Contains("known_hosts_path", error.Message);
    }

    [Theory]
    [InlineData("storage_backend: sftp\n    sftp_path: /drop", "sftp_host")]
    [InlineData(Bronze + "\n    sftp_port: 70000", "sftp_port")]
    [InlineData("storage_backend: sftp\n    sftp_host: h\n    sftp_path: /drop/../etc", "sftp_path")]
    [InlineData("storage_backend: sftp\n    sftp_host: h\n    sftp_prefix: a/../b", "sftp_prefix")]
    public void Bad_bronze_settings_name_the_key(string bronze, string key)
    {
        var error = Fails("username_env: PARTNER_SFTP_USER\npassword_env: PARTNER_SFTP_PASSWORD", bronze);
        Assert.Equal($"platform.bronze.{key}", error.Key);
    }

    [Fact]
    public void The_connection_section_is_required()
    {
        var error = Fails("");
        Assert.Equal("platform.sftp_connection", error.Key);
    }
}
