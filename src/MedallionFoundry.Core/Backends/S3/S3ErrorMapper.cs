using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.S3;

/// <summary>
/// Turns AWS SDK errors into the storage layer's typed errors, so the cmdlets and the resilience
/// layer can tell not-found from access-denied from "try again". Messages name the key and the
/// bucket, never a credential.
/// </summary>
internal static class S3ErrorMapper
{
    static readonly HashSet<string> AccessDeniedCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "ExpiredToken",
        "InvalidToken", "TokenRefreshRequired", "AccountProblem", "InvalidSecurity", "UnauthorizedAccess",
    };

    static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "Throttling", "ThrottlingException",
        "RequestTimeTooSkewed", "OperationAborted", "TooManyRequests", "RequestLimitExceeded",
    };

    static readonly HashSet<string> IntegrityCodes = new(StringComparer.Ordinal)
    {
        "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum",
    };

    /// <summary>The typed error for <paramref name="error"/>, or the error itself when it is a cancellation
    /// the caller asked for (that must stay an <see cref="OperationCanceledException"/>).</summary>
    public static Exception Map(Exception error, string? key, string bucket, CancellationToken cancellationToken)
    {
        if (error is StorageException) return error;
        if (error is OperationCanceledException && cancellationToken.IsCancellationRequested) return error;
        var what = key is null ? $"bucket '{bucket}'" : $"'{key}' in bucket '{bucket}'";

        switch (error)
        {
            case DeleteObjectsException:
                return new StorageException(StorageErrorKind.Unknown, $"S3 could not delete some objects in bucket '{bucket}'.", key, error);
            case AmazonServiceException service:
                return MapService(service, key, bucket, what);
            case OperationCanceledException: // not ours: the SDK's HTTP timeout
                return new StorageTransientException($"The S3 request for {what} timed out.", key, error);
            case HttpRequestException or IOException or SocketException:
                return new StorageTransientException($"The S3 request for {what} failed on the network: {error.Message}", key, error);
            case AmazonClientException client when client.InnerException is HttpRequestException or IOException or SocketException or OperationCanceledException:
                return new StorageTransientException($"The S3 request for {what} failed on the network: {client.InnerException!.Message}", key, error);
            // The SDK's own response check (MD5 against the ETag) failed: the bytes are not what was stored.
            case AmazonClientException client when client.Message.Contains("hash", StringComparison.OrdinalIgnoreCase):
                return new StorageIntegrityException($"The bytes received for {what} do not match the checksum the store gave: {client.Message}", key);
            case AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase):
                return new StorageAccessDeniedException(
                    $"No S3 credentials were found for {what}: set access_key_env and secret_key_env in platform.s3_connection, " +
                    "use Connect-BronzeStorage -Credential, or configure the AWS default credential chain.", key, error);
            default:
                return new StorageException(StorageErrorKind.Unknown, $"The S3 request for {what} failed: {error.Message}", key, error);
        }
    }

    static StorageException MapService(AmazonServiceException error, string? key, string bucket, string what)
    {
        var code = error.ErrorCode ?? "";
        var status = (int)error.StatusCode;
        var detail = code.Length > 0 ? $"{code}, HTTP {status}" : $"HTTP {status}";

        if (code == "NoSuchBucket")
            return new StorageContainerNotFoundException($"The S3 bucket '{bucket}' does not exist ({detail}).", bucket, error);
        if (code is "NoSuchKey" or "NotFound" || (status == 404 && code is "" or "NoSuchUpload"))
            return new StorageNotFoundException($"The remote file '{key}' does not exist in bucket '{bucket}' ({detail}).", key, error);
        if (AccessDeniedCodes.Contains(code) || status is 401 or 403)
            return new StorageAccessDeniedException($"S3 denied access to {what} ({detail}): check the keys, the region and the bucket policy.", key, error);
        if (code is "PreconditionFailed" or "ConditionalRequestConflict" || status == 412)
            return new StorageConflictException($"The remote file '{key}' already exists or changed meanwhile ({detail}).", key, error);
        if (IntegrityCodes.Contains(code))
            return new StorageIntegrityException($"S3 rejected the bytes of {what}: their checksum did not match ({detail}).", key);
        if (TransientCodes.Contains(code) || status is 408 or 429 || status >= 500)
            return new StorageTransientException($"S3 is unavailable or throttling for {what} ({detail}); try again later.", key, error);
        return new StorageException(StorageErrorKind.Unknown, $"S3 refused the request for {what} ({detail}): {error.Message}", key, error);
    }

    /// <summary>A per-key error from a DeleteObjects response, or null when it means "already gone".</summary>
    public static StorageException? MapDeleteError(string key, string? code, string? message, string bucket)
    {
        var detail = $"{code}: {message}";
        return code switch
        {
            "NoSuchKey" => null,
            "AccessDenied" => new StorageAccessDeniedException($"S3 denied deleting '{key}' in bucket '{bucket}' ({detail}).", key),
            "InternalError" or "SlowDown" or "ServiceUnavailable" =>
                new StorageTransientException($"S3 could not delete '{key}' in bucket '{bucket}' now ({detail}); try again later.", key),
            _ => new StorageException(StorageErrorKind.Unknown, $"S3 could not delete '{key}' in bucket '{bucket}' ({detail}).", key),
        };
    }

    public static bool IsNotFound(AmazonServiceException error) =>
        error.StatusCode == HttpStatusCode.NotFound && error.ErrorCode != "NoSuchBucket";
}
