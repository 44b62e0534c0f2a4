using System.Globalization;
using Azure;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// Translates Azure SDK failures into the storage layer's typed errors. Messages carry the status
/// and the service's error code, never the SDK's message (it may echo request details).
/// </summary>
internal static class AzureErrors
{
    /// <summary>Maps any exception from an SDK call about <paramref name="key"/> to the exception to
    /// throw. Cancellation the caller asked for, and unknown exceptions, come back unchanged.</summary>
    public static Exception Map(Exception ex, string key, string container, CancellationToken cancellationToken)
    {
        if (ex is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            ex = aggregate.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) ?? aggregate.InnerExceptions[0];
        if (ex is StorageException) return ex;
        if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested) return ex;
        return ex switch
        {
            // Status 0: no answer at all. The transport's message says why ("Connection refused to http://host:port.").
            RequestFailedException { Status: 0, InnerException: HttpRequestException or IOException } rfe =>
                new StorageTransientException($"The request for '{key}' got no answer from Azure: {rfe.InnerException!.Message}", key, ex),
            RequestFailedException rfe => FromStatus(rfe.Status, rfe.ErrorCode, key, container, rfe, RetryAfterOf(rfe)),
            // A cancellation the caller did not ask for is a timeout: the per-attempt timeout, or one inside the SDK or the transport.
            OperationCanceledException or TimeoutException =>
                new StorageTransientException($"The request for '{key}' timed out.", key, ex),
            Http.StallTimeoutException or HttpRequestException =>
                new StorageTransientException($"The request for '{key}' failed: {ex.Message}", key, ex),
            IOException or System.Net.Sockets.SocketException =>
                new StorageTransientException($"The connection failed while working on '{key}' ({ex.GetType().Name}).", key, ex),
            // A response cut off or garbled on the way: asking again is the cure.
            System.Xml.XmlException or System.Text.Json.JsonException =>
                new StorageTransientException($"The response about '{key}' could not be read ({ex.GetType().Name}).", key, ex),
            _ => ex,
        };
    }

    /// <summary>Maps a status and error code (also used for the sub-responses of a batch).</summary>
    public static StorageException FromStatus(int status, string? errorCode, string key, string container, Exception? inner = null, TimeSpan? retryAfter = null)
    {
        var code = string.IsNullOrEmpty(errorCode) ? "" : $" ({errorCode})";
        if (errorCode == "ContainerNotFound")
            return ContainerNotFound(container, inner);
        if (status == 403 || errorCode is "AuthorizationFailure" or "AuthorizationPermissionMismatch" or "AuthenticationFailed")
            return new StorageAccessDeniedException(
                $"Azure denied access to {(key.Length == 0 ? "" : $"'{key}' in ")}container '{container}': HTTP {status}{code}. " +
                "Check the credential (account key, SAS token, connection string or role assignment) in platform.azure_connection.", key, inner);
        if (errorCode is "Md5Mismatch" or "Crc64Mismatch" or "InvalidMd5")
            return new StorageIntegrityException($"Azure rejected the bytes of '{key}': their checksum did not match on arrival (HTTP {status}{code}).", key);
        if (errorCode == "InvalidBlockList")
            return new StorageConflictException(
                $"Another upload to '{key}' committed its blocks while this one was staging its own, so Azure discarded ours (HTTP {status}{code}). " +
                "The remote file holds the other writer's version; upload again if yours should win.", key, inner);
        if (status == 404)
            return new StorageNotFoundException($"The remote file '{key}' does not exist.", key, inner);
        if (status is 409 or 412)
            return errorCode == "BlobAlreadyExists" || status == 412
                ? new StorageConflictException($"The remote file '{key}' already exists or changed: HTTP {status}{code}.", key, inner)
                : new StorageConflictException($"The remote file '{key}' is in a conflicting state: HTTP {status}{code}.", key, inner);
        if (status is 0 or 408 or 429 or 500 or 502 or 503 or 504 || errorCode is "ServerBusy" or "OperationTimedOut" or "InternalError")
            return new StorageTransientException($"Azure could not complete the request for '{key}' now: HTTP {status}{code}. Try again later.", key, inner, retryAfter);
        return new StorageException(StorageErrorKind.Unknown, $"Azure refused the request for '{key}': HTTP {status}{code}.", key, inner);
    }

    public static StorageContainerNotFoundException ContainerNotFound(string container, Exception? inner = null) =>
        new($"The Azure container '{container}' does not exist. Create it, fix 'platform.bronze.azure_container', or set 'platform.azure_connection.create_container: true'.", container, inner);

    static TimeSpan? RetryAfterOf(RequestFailedException ex)
    {
        var response = ex.GetRawResponse();
        if (response is null || !response.Headers.TryGetValue("Retry-After", out var value) || value is null) return null;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            var wait = when - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
