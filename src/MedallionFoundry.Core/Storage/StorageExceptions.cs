namespace MedallionFoundry.Storage;

/// <summary>What went wrong, in terms the cmdlets map to error ids and categories.</summary>
public enum StorageErrorKind
{
    Unknown,
    NotFound,
    AccessDenied,
    Conflict,
    Transient,
    InvalidPath,
    IntegrityMismatch,
    ContainerNotFound,
    CircuitOpen,
    Configuration,
    /// <summary>The local file changed while it was being uploaded.</summary>
    SourceChanged,
    /// <summary>Reading or writing the local file failed (full disk, no permission): not the store's fault, not transient.</summary>
    LocalIO,
    /// <summary>An encrypted object could not be decrypted: another key, or damaged, truncated or altered bytes.</summary>
    DecryptionFailed,
}

/// <summary>Base of every error the storage layer throws. Messages never contain secrets.</summary>
public class StorageException : Exception
{
    public StorageException(StorageErrorKind kind, string message, string? path = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Path = path;
    }

    public StorageErrorKind Kind { get; }

    /// <summary>The remote path or key the error is about, when there is one.</summary>
    public string? Path { get; }

    /// <summary>True when trying again later may succeed.</summary>
    public virtual bool IsTransient => Kind == StorageErrorKind.Transient;
}

public sealed class StorageNotFoundException(string message, string? path = null, Exception? inner = null)
    : StorageException(StorageErrorKind.NotFound, message, path, inner);

public sealed class StorageAccessDeniedException(string message, string? path = null, Exception? inner = null)
    : StorageException(StorageErrorKind.AccessDenied, message, path, inner);

public sealed class StorageConflictException(string message, string? path = null, Exception? inner = null)
    : StorageException(StorageErrorKind.Conflict, message, path, inner);

/// <summary>A failure that may go away on retry (timeouts, throttling, 5xx, connection resets).</summary>
public sealed class StorageTransientException(string message, string? path = null, Exception? inner = null, TimeSpan? retryAfter = null)
    : StorageException(StorageErrorKind.Transient, message, path, inner)
{
    /// <summary>The server's Retry-After hint, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

public sealed class InvalidRemotePathException(string message, string? path = null)
    : StorageException(StorageErrorKind.InvalidPath, message, path);

public sealed class StorageIntegrityException(string message, string? path = null)
    : StorageException(StorageErrorKind.IntegrityMismatch, message, path);

/// <summary>The bucket or container itself does not exist.</summary>
public sealed class StorageContainerNotFoundException(string message, string? container = null, Exception? inner = null)
    : StorageException(StorageErrorKind.ContainerNotFound, message, container, inner);

/// <summary>The local source of an upload changed (size, time or bytes) while it was read; the upload was not kept where the store allows.</summary>
public sealed class StorageSourceChangedException(string message, string? path = null)
    : StorageException(StorageErrorKind.SourceChanged, message, path);

/// <summary>The local side failed: a download could not write its file (disk full, no permission) or an upload could not read its source.</summary>
public sealed class StorageLocalIOException(string message, string localPath, bool reading, string? path, Exception inner)
    : StorageException(StorageErrorKind.LocalIO, message, path, inner)
{
    public string LocalPath { get; } = localPath;

    /// <summary>True when reading a local file failed, false when writing one did.</summary>
    public bool Reading { get; } = reading;

    /// <summary>The error of a download whose local write failed.</summary>
    public static StorageLocalIOException Writing(string? localPath, string key, Exception inner) =>
        new($"Writing the download of '{key}' to the local disk failed{(localPath is null ? "" : $" at '{localPath}'")}: {inner.Message}",
            localPath ?? "", reading: false, key, inner);
}
