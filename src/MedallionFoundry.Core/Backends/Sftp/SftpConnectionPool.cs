using System.Collections.Concurrent;
using System.Text;
using MedallionFoundry.Storage;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>
/// A few SFTP connections (one SSH session each), opened on first use and reused by every call of
/// the session. A connection that fails is thrown away, never returned: the next call opens a fresh
/// one, so a retry by the resilience layer is also a reconnect. Every new connection has its host
/// key checked by <see cref="SftpHostKeyVerifier"/> before credentials are sent.
/// </summary>
internal sealed class SftpConnectionPool : IAsyncDisposable
{
    readonly SftpSettings _settings;
    readonly SftpHostKeyVerifier _verifier;
    readonly SemaphoreSlim _slots;
    readonly ConcurrentBag<SftpClient> _idle = new();
    readonly Lazy<IPrivateKeySource?> _key;
    bool _disposed;

    public SftpConnectionPool(SftpSettings settings)
    {
        _settings = settings;
        _verifier = new SftpHostKeyVerifier(settings);
        _slots = new SemaphoreSlim(settings.MaxConnections, settings.MaxConnections);
        _key = new Lazy<IPrivateKeySource?>(LoadPrivateKey);
    }

    public string Server => $"{_settings.Host}:{_settings.Port}";

    /// <summary>Connections opened so far (for tests: reuse and reconnects).</summary>
    public int ConnectionsOpened => _opened;
    int _opened;

    /// <summary>Runs <paramref name="action"/> on a pooled connection; SSH.NET errors come out as storage exceptions.</summary>
    public async Task<T> RunAsync<T>(string? key, Func<SftpClient, Task<T>> action, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        SftpClient? client = null;
        var reusable = false;
        try
        {
            client = TakeIdle() ?? await ConnectAsync(key, cancellationToken).ConfigureAwait(false);
            var result = await action(client).ConfigureAwait(false);
            reusable = true;
            return result;
        }
        catch (Exception ex)
        {
            // A status error (not found, denied) leaves the connection usable; anything else may not.
            reusable = ex is SftpPathNotFoundException or SftpPermissionDeniedException
                || (ex is StorageException { IsTransient: false } && client?.IsConnected == true);
            throw SftpErrors.Map(ex, key, Server);
        }
        finally
        {
            if (client is not null)
            {
                if (reusable && client.IsConnected && !_disposed) _idle.Add(client);
                else client.Dispose();
            }
            _slots.Release();
        }
    }

    SftpClient? TakeIdle()
    {
        while (_idle.TryTake(out var client))
        {
            if (client.IsConnected) return client;
            client.Dispose();
        }
        return null;
    }

    async Task<SftpClient> ConnectAsync(string? key, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(_settings.Host, _settings.Port, _settings.UserName, AuthenticationMethods())
        {
            Timeout = _settings.ConnectTimeout,
        };
        PreferRecordedHostKeyTypes(info);

        var client = new SftpClient(info)
        {
            OperationTimeout = TimeSpan.FromMinutes(2),
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        };
        string? refusal = null;
        client.HostKeyReceived += (_, e) =>
        {
            refusal = _verifier.Refusal(e.HostKey);
            e.CanTrust = refusal is null;
        };
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _opened);
            return client;
        }
        catch (Exception ex)
        {
            client.Dispose();
            if (refusal is not null) throw new StorageAccessDeniedException(refusal, key, ex);
            throw;
        }
    }

    AuthenticationMethod[] AuthenticationMethods()
    {
        var methods = new List<AuthenticationMethod>();
        if (_key.Value is { } key) methods.Add(new PrivateKeyAuthenticationMethod(_settings.UserName, key));
        if (_settings.Password is { } password) methods.Add(new PasswordAuthenticationMethod(_settings.UserName, password));
        return methods.ToArray();
    }

    /// <summary>Reads the private key once. A bad key or passphrase is a configuration error that names
    /// the key's source (never the passphrase).</summary>
    IPrivateKeySource? LoadPrivateKey()
    {
        if (_settings.PrivateKey is not { } keyValue) return null;
        var isText = SftpSettings.LooksLikeKeyText(keyValue);
        var source = isText ? "the private key in private_key_path_env" : $"the private key file '{keyValue}'";
        try
        {
            if (isText)
            {
                using var text = new MemoryStream(Encoding.UTF8.GetBytes(keyValue));
                return new PrivateKeyFile(text, _settings.PrivateKeyPassphrase);
            }
            return new PrivateKeyFile(keyValue, _settings.PrivateKeyPassphrase);
        }
        catch (SshPassPhraseNullOrEmptyException ex)
        {
            throw new StorageException(StorageErrorKind.Configuration, $"{Capitalize(source)} is encrypted: set private_key_passphrase_env.", null, ex);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StorageException(StorageErrorKind.Configuration, $"{Capitalize(source)} does not exist.", null, ex);
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException
                                       or Org.BouncyCastle.Crypto.InvalidCipherTextException or System.Security.Cryptography.CryptographicException)
        {
            throw new StorageException(StorageErrorKind.Configuration,
                $"{Capitalize(source)} could not be read: the passphrase is wrong or the key format is not supported ({ex.GetType().Name}).", null, ex);
        }
    }

    static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Asks for the host key types known_hosts records for this host first, as ssh does, so a
    /// server with several keys presents the one that can be checked.</summary>
    void PreferRecordedHostKeyTypes(ConnectionInfo info)
    {
        var recorded = _verifier.RecordedKeyTypes();
        if (recorded.Count == 0) return;
        bool Preferred(string algorithm) => recorded.Contains(algorithm)
            || (recorded.Contains("ssh-rsa") && algorithm is "rsa-sha2-512" or "rsa-sha2-256");
        foreach (var algorithm in info.HostKeyAlgorithms.Keys.Where(a => !Preferred(a)).ToList())
        {
            var factory = info.HostKeyAlgorithms[algorithm];
            info.HostKeyAlgorithms.Remove(algorithm);
            info.HostKeyAlgorithms.Add(algorithm, factory); // moved behind the preferred ones
        }
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryTake(out var client)) client.Dispose();
        return ValueTask.CompletedTask;
    }
}
