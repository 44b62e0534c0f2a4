using System.Net.Sockets;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Tells an error about the whole connection (the bucket or container is missing, the account's
/// credentials are refused, the circuit is open, the host name does not resolve) from an error about
/// one file. After the first connection failure every later file would fail the same way, so the
/// transfer cmdlets stop there instead of repeating one error per file.
/// </summary>
public static class ConnectionFailure
{
    /// <summary>A short cause ("the bucket or container does not exist"), or null for a per-file error.</summary>
    public static string? CauseOf(Exception error)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerExceptions[0];
        if (error is not StorageException storage) return null;
        return storage.Kind switch
        {
            StorageErrorKind.ContainerNotFound => "the bucket or container does not exist",
            StorageErrorKind.CircuitOpen => "the connection's circuit breaker is open",
            // A local file's permissions are about that file; a store refusing the credentials is about all of them.
            StorageErrorKind.AccessDenied when !Chain(storage).Any(e => e is UnauthorizedAccessException or IOException)
                => "the store refused the credentials or the account's permissions",
            _ when Chain(storage).Any(IsNameResolutionFailure) => "the store's host name does not resolve in DNS",
            _ => null,
        };
    }

    static bool IsNameResolutionFailure(Exception e) => e switch
    {
        SocketException socket => socket.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain,
        HttpRequestException http => http.HttpRequestError == HttpRequestError.NameResolutionError,
        _ => false,
    };

    static IEnumerable<Exception> Chain(Exception error)
    {
        for (var e = error.InnerException; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(i => Chain(i).Prepend(i))) yield return inner;
        }
    }
}
