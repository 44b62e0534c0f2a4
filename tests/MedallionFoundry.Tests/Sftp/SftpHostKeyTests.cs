using MedallionFoundry.Backends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>An unknown or changed host key is refused before anything is sent, and the message shows
/// the fingerprint the server presented (the one ssh-keygen -lf prints for the server's key).</summary>
public sealed class SftpHostKeyTests
{
    static async Task<(StorageException Error, string Root)> UploadWith(IDictionary<string, object?> connection, IDictionary<string, string>? env = null)
    {
        var root = SftpTestServer.NewRootFolder("hostkey");
        await using var store = BronzeStoreFactory.Create(SftpTestServer.Config(root, SftpTestAuth.Password, extraConnection: connection, extraEnvironment: env), "test");
        using var data = new MemoryStream("must not arrive"u8.ToArray());
        var error = await Assert.ThrowsAnyAsync<StorageException>(() => store.UploadAsync(data, "a/file.txt"));
        Assert.Equal(0, ((Backends.Sftp.SftpBackend)store.Backend).ConnectionsOpened);
        return (error, root);
    }

    [Fact]
    public async Task A_wrong_fingerprint_is_refused_with_the_fingerprint_seen()
    {
        var wrong = "SHA256:" + new string('A', 43);
        var (error, root) = await UploadWith(
            new Dictionary<string, object?> { ["known_hosts_path"] = null, ["host_key_fingerprint_env"] = "T_FP" },
            new Dictionary<string, string> { ["T_FP"] = wrong });

        Assert.IsType<StorageAccessDeniedException>(error);
        Assert.Contains(SftpTestServer.HostFingerprint, error.Message);
        Assert.Contains(wrong, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task A_host_missing_from_known_hosts_is_refused_with_the_fingerprint_seen()
    {
        var knownHosts = Path.Combine(TestData.TempFolder("known-hosts"), "known_hosts");
        // Another host's entry (the same key under another port): this host and port are not listed.
        var line = File.ReadAllText(SftpTestServer.KnownHosts).Trim();
        File.WriteAllText(knownHosts, line.Replace($"]:{SftpTestServer.Port} ", "]:1 ") + "\n");

        var (error, root) = await UploadWith(new Dictionary<string, object?> { ["known_hosts_path"] = knownHosts });

        Assert.IsType<StorageAccessDeniedException>(error);
        Assert.Contains(SftpTestServer.HostFingerprint, error.Message);
        Assert.Contains("is not listed", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_and_named_as_a_mismatch()
    {
        var knownHosts = Path.Combine(TestData.TempFolder("known-hosts"), "known_hosts");
        var fields = File.ReadAllText(SftpTestServer.KnownHosts).Trim().Split(' ');
        var otherKey = Convert.FromBase64String(fields[2]);
        otherKey[^1] ^= 0x5A; // same host, same type, different key
        File.WriteAllText(knownHosts, $"# comment\n{fields[0]} {fields[1]} {Convert.ToBase64String(otherKey)}\n");

        var (error, _) = await UploadWith(new Dictionary<string, object?> { ["known_hosts_path"] = knownHosts });

        Assert.IsType<StorageAccessDeniedException>(error);
        Assert.Contains(SftpTestServer.HostFingerprint, error.Message);
        Assert.Contains("does NOT match", error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public async Task A_missing_known_hosts_file_is_refused_with_the_fingerprint_seen()
    {
        var missing = Path.Combine(TestData.TempFolder("known-hosts"), "none");

        var (error, _) = await UploadWith(new Dictionary<string, object?> { ["known_hosts_path"] = missing });

        Assert.Contains(SftpTestServer.HostFingerprint, error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public async Task The_right_fingerprint_and_a_hashed_known_hosts_entry_are_both_accepted()
    {
        var root = SftpTestServer.NewRootFolder("hostkey-ok");
        var byFingerprint = SftpTestServer.Config(root, SftpTestAuth.Password,
            extraConnection: new Dictionary<string, object?> { ["known_hosts_path"] = null, ["host_key_fingerprint_env"] = "T_FP" },
            extraEnvironment: new Dictionary<string, string> { ["T_FP"] = SftpTestServer.HostFingerprint });
        await using (var store = BronzeStoreFactory.Create(byFingerprint, "test"))
            await store.UploadAsync(new MemoryStream("1"u8.ToArray()), "one.txt");

        // ssh-keygen -H form: |1|salt|HMAC-SHA1(salt, "[127.0.0.1]:port").
        var fields = File.ReadAllText(SftpTestServer.KnownHosts).Trim().Split(' ');
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(20);
        var hash = System.Security.Cryptography.HMACSHA1.HashData(salt, System.Text.Encoding.UTF8.GetBytes(fields[0]));
        var hashed = Path.Combine(TestData.TempFolder("known-hosts"), "known_hosts");
        File.WriteAllText(hashed, $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)} {fields[1]} {fields[2]}\n");
        await using (var store = BronzeStoreFactory.Create(SftpTestServer.Config(root, SftpTestAuth.Key,
            extraConnection: new Dictionary<string, object?> { ["known_hosts_path"] = hashed }), "test"))
            await store.UploadAsync(new MemoryStream("2"u8.ToArray()), "two.txt");

        Assert.Equal(new[] { "one.txt", "two.txt" }, Directory.GetFiles(root).Select(Path.GetFileName).Order());
    }
}
