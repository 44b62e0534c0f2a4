using System.Net.Sockets;
using MedallionFoundry.Storage;
using Renci.SshNet.Common;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>SSH.NET exceptions in the storage layer's terms: transient (retried by the resilience
/// layer, which reconnects), access denied, not found, or a plain failure. Messages name the key,
/// never a secret (SSH.NET's own messages carry none).</summary>
internal static class SftpErrors
{
    public static Exception Map(Exception ex, string? key, string server) => ex switch
    {
        StorageException or OperationCanceledException => ex,
        SftpPathNotFoundException => new StorageNotFoundException($"The remote file '{key}' does not exist.", key, ex),
        SftpPermissionDeniedException => new StorageAccessDeniedException($"The SFTP server {server} denied access to '{key}': {ex.Message}", key, ex),
        SshAuthenticationException => new StorageAccessDeniedException($"The SFTP server {server} refused the login: {ex.Message}", key, ex),
        _ when IsConnectionLoss(ex) => new StorageTransientException($"The connection to the SFTP server {server} failed: {ex.Message}", key, ex),
        _ => new StorageException(StorageErrorKind.Unknown, $"The SFTP server {server} failed on '{key}': {ex.Message}", key, ex),
    };

    /// <summary>The connection itself is gone or unusable: drop it from the pool and try again later.</summary>
    public static bool IsConnectionLoss(Exception ex) => ex is SshConnectionException or SshOperationTimeoutException
        or SocketException or IOException or ObjectDisposedException or ProxyException or TimeoutException
        || (ex is InvalidOperationException && ex.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase));

    /// <summary>An SFTP status failure (SSH_FX_FAILURE and the like), not a lost connection.</summary>
    public static bool IsServerStatus(Exception ex) => ex is SshException && !IsConnectionLoss(ex) && ex is not SshAuthenticationException;
}
