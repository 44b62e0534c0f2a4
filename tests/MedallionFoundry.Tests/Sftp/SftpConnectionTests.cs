using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Sftp;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>The connection pool: connections are reused, a dropped one is replaced on the next call
/// (through the resilience layer's retry), and SSH.NET's errors come out as the typed exceptions.</summary>
public sealed class SftpConnectionTests
{
    static readonly ResilienceSettings FastRetry = ResilienceSettings.Default with
    {
        MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(100), FailureThreshold = 0,
    };

    static BronzeStore Store(string root, SftpTestAuth auth = SftpTestAuth.Password, int? port = null, IDictionary<string, object?>? connection = null, IDictionary<string, string>? env = null) =>
        BronzeStoreFactory.Create(SftpTestServer.Config(root, auth, port: port, extraConnection: connection, extraEnvironment: env), "test", resilience: FastRetry);

    [Fact]
    public async Task Many_operations_share_a_few_connections()
    {
        await using var store = Store(SftpTestServer.NewRootFolder("pool"), connection: new Dictionary<string, object?> { ["max_connections"] = "2" });

        await Parallel.ForEachAsync(Enumerable.Range(0, 30), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => await store.UploadAsync(new MemoryStream(TestData.Bytes(100, i)), $"p/{i:D2}.bin", cancellationToken: ct));

        var backend = (SftpBackend)store.Backend;
        Assert.InRange(backend.ConnectionsOpened, 1, 2);
        var count = 0;
        await foreach (var _ in store.ListAsync("p/")) count++;
        Assert.Equal(30, count);
    }

    [Fact]
    public async Task A_dropped_connection_is_replaced_on_the_next_call()
    {
        using var server = new SftpPrivateServer();
        var root = SftpTestServer.NewRootFolder("reconnect");
        // The private server's port is not in known_hosts: check its key by fingerprint.
        await using var store = Store(root, port: server.Port,
            connection: new Dictionary<string, object?> { ["known_hosts_path"] = null, ["host_key_fingerprint_env"] = "T_FP" },
            env: new Dictionary<string, string> { ["T_FP"] = SftpTestServer.HostFingerprint });
        await store.UploadAsync(new MemoryStream("1"u8.ToArray()), "one.txt");

        server.Stop();
        var down = await Assert.ThrowsAsync<StorageTransientException>(() => store.StatAsync("one.txt"));
        server.Start();
        var back = await store.StatAsync("one.txt");

        Assert.Contains(server.Port.ToString(), down.Message);
        Assert.NotNull(back);
        Assert.Equal(2, ((SftpBackend)store.Backend).ConnectionsOpened);
        Assert.Equal(1 + 3 + 1, ((ResilientOperationRunner)store.Runner).Attempts); // the upload, three tries of the stat while down, the stat after
    }

    [Fact]
    public async Task A_wrong_password_is_access_denied_and_not_retried()
    {
        await using var store = Store(SftpTestServer.NewRootFolder("badpw"),
            connection: new Dictionary<string, object?> { ["password_env"] = "T_BAD" },
            env: new Dictionary<string, string> { ["T_BAD"] = "not-the-password" });

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.StatAsync("x.csv"));

        Assert.Equal(1, ((ResilientOperationRunner)store.Runner).Attempts);
        Assert.DoesNotContain("not-the-password", error.ToString());
    }

    [Fact]
    public async Task A_wrong_key_passphrase_is_a_configuration_error_that_hides_the_passphrase()
    {
        await using var store = Store(SftpTestServer.NewRootFolder("badkey"), SftpTestAuth.Key,
            env: new Dictionary<string, string> { ["T_SFTP_PASSPHRASE"] = "wrong-passphrase-123" });

        var error = await Assert.ThrowsAnyAsync<StorageException>(() => store.StatAsync("x.csv"));

        Assert.Equal(StorageErrorKind.Configuration, error.Kind);
        Assert.Contains(SftpTestServer.KeyPath, error.Message);
        Assert.DoesNotContain("wrong-passphrase-123", error.ToString());
        Assert.DoesNotContain(SftpTestServer.KeyPassphrase, error.ToString());
    }

    [Fact]
    public async Task Paged_listing_of_a_large_folder_reads_it_once()
    {
        var root = SftpTestServer.NewRootFolder("pages");
        for (var i = 0; i < 250; i++) File.WriteAllText(Path.Combine(root, $"f-{i:D4}.csv"), "x");
        Directory.CreateDirectory(Path.Combine(root, "f-0100.d"));
        File.WriteAllText(Path.Combine(root, "f-0100.d", "inner.csv"), "y");
        await using var store = Store(root);

        var pages = new List<int>();
        var paths = new List<string>();
        await foreach (var page in store.ListPagesAsync("", new ListOptions { PageSize = 40 }))
        {
            pages.Add(page.Objects.Count);
            paths.AddRange(page.Objects.Select(o => o.Path));
        }

        Assert.Equal(251, paths.Count);
        Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
        Assert.Contains("f-0100.d/inner.csv", paths);
        Assert.True(pages.Count >= 7, $"pages: {string.Join(",", pages)}");
    }
}
