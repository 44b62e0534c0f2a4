using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.S3;
using Renci.SshNet;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>How a test store logs in to the OpenSSH test server.</summary>
public enum SftpTestAuth { Password, Key }

/// <summary>The OpenSSH server the harness starts (tests/servers/TestServers.psm1, MF_TEST_SFTP_*).
/// A missing variable fails the test: these tests never skip.</summary>
public static class SftpTestServer
{
    public static string Host => S3TestServer.Required("MF_TEST_SFTP_HOST");
    public static int Port => int.Parse(S3TestServer.Required("MF_TEST_SFTP_PORT"));
    public static string User => S3TestServer.Required("MF_TEST_SFTP_USER");
    public static string Password => S3TestServer.Required("MF_TEST_SFTP_PASSWORD");
    public static string KeyPath => S3TestServer.Required("MF_TEST_SFTP_KEY_PATH");
    public static string KeyPassphrase => S3TestServer.Required("MF_TEST_SFTP_KEY_PASSPHRASE");
    public static string KnownHosts => S3TestServer.Required("MF_TEST_SFTP_KNOWN_HOSTS");
    public static string HostFingerprint => S3TestServer.Required("MF_TEST_SFTP_HOST_FINGERPRINT");

    /// <summary>The folder the server's test user may write in (the same path on this machine: no chroot).</summary>
    public static string Root => S3TestServer.Required("MF_TEST_SFTP_ROOT");

    /// <summary>A new empty folder under the server's root, made over SFTP so the test user owns it.</summary>
    public static string NewRootFolder(string purpose)
    {
        var path = $"{Root}/{TestData.UniqueName(purpose)}";
        using var client = new SftpClient(Host, Port, User, Password);
        client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == HostFingerprint;
        client.Connect();
        client.CreateDirectory(path);
        return path;
    }

    /// <summary>A platform config as a user's YAML would give it, secrets handed over as environment variables.</summary>
    public static PlatformConfig Config(string root, SftpTestAuth auth, string prefix = "",
        IDictionary<string, object?>? extraConnection = null, IDictionary<string, string>? extraEnvironment = null, int? port = null)
    {
        var env = new Dictionary<string, string> { ["T_SFTP_USER"] = User };
        var connection = new Dictionary<string, object?>
        {
            ["username_env"] = "T_SFTP_USER",
            ["known_hosts_path"] = KnownHosts,
        };
        if (auth == SftpTestAuth.Password)
        {
            env["T_SFTP_PASSWORD"] = Password;
            connection["password_env"] = "T_SFTP_PASSWORD";
        }
        else
        {
            env["T_SFTP_KEY"] = KeyPath;
            env["T_SFTP_PASSPHRASE"] = KeyPassphrase;
            connection["private_key_path_env"] = "T_SFTP_KEY";
            connection["private_key_passphrase_env"] = "T_SFTP_PASSPHRASE";
        }
        foreach (var (key, value) in extraConnection ?? new Dictionary<string, object?>())
        {
            if (value is null) connection.Remove(key);
            else connection[key] = value;
        }
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>()) env[key] = value;
        var bronze = new Dictionary<string, object?>
        {
            ["storage_backend"] = "sftp",
            ["sftp_host"] = Host,
            ["sftp_port"] = (port ?? Port).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["sftp_path"] = root,
            ["sftp_prefix"] = prefix,
        };
        return PlatformConfig.FromValues(bronze,
            new Dictionary<string, IDictionary<string, object?>> { ["sftp_connection"] = connection },
            name => env.GetValueOrDefault(name));
    }
}

/// <summary>Each store gets its own new root folder on the server, through the real factory.</summary>
public abstract class SftpBackendFixture(SftpTestAuth auth) : IBackendFixture
{
    public Task<BronzeStore> CreateStoreAsync() =>
        Task.FromResult(BronzeStoreFactory.Create(SftpTestServer.Config(SftpTestServer.NewRootFolder("store"), auth), "test"));
}

public sealed class SftpPasswordFixture() : SftpBackendFixture(SftpTestAuth.Password);

public sealed class SftpKeyFixture() : SftpBackendFixture(SftpTestAuth.Key);

/// <summary>The contract suite against OpenSSH, logged in with a password.</summary>
public sealed class SftpPasswordContractTests(SftpPasswordFixture fixture) : BackendContractTests, IClassFixture<SftpPasswordFixture>
{
    protected override IBackendFixture Fixture => fixture;
}

/// <summary>The contract suite against OpenSSH, logged in with an ed25519 key that has a passphrase.</summary>
public sealed class SftpKeyContractTests(SftpKeyFixture fixture) : BackendContractTests, IClassFixture<SftpKeyFixture>
{
    protected override IBackendFixture Fixture => fixture;
}
