using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Mirror;

/// <summary>One store of a mirror: its number (1 = first written), its backend, and how the mirror's
/// paths map to its keys (the mirror itself has no prefix; each target has its own).</summary>
public sealed class MirrorTarget(int number, StorageBackend backend)
{
    public int Number { get; } = number;

    public StorageBackend Backend { get; } = backend;

    /// <summary>"target 2 (azure at https://acct.blob.core.windows.net/bronze/bronze)".</summary>
    public string Name => $"target {Number} ({Backend.BackendType} at {Backend.Location})";

    internal string KeyOf(string path) => RemotePath.ToKey(Backend.Prefix, path);

    internal string PathOf(string key) => RemotePath.ToRelative(Backend.Prefix, key);

    internal RemoteObject Back(RemoteObject item) => item with { Key = PathOf(item.Key) };

    /// <summary>An answer about the object itself (missing, already there), with the mirror's path in it.</summary>
    internal StorageException Answer(StorageException error) => error switch
    {
        StorageNotFoundException => new StorageNotFoundException(error.Message, error.Path is null ? null : PathOf(error.Path), error),
        StorageConflictException => new StorageConflictException(error.Message, error.Path is null ? null : PathOf(error.Path), error),
        _ => error,
    };

    internal StorageException Wrap(StorageException error, string key) =>
        new(error.Kind, $"On mirror {Name}: {error.Message}", PathOf(key), error);

    /// <summary>Failures another target may not have (unreachable, refused, damaged); a missing file, a bad path or a local disk error is the answer.</summary>
    internal static bool MayFailOver(StorageException error) => error is not MirrorTargetsException && error.Kind is
        StorageErrorKind.Transient or StorageErrorKind.Unknown or StorageErrorKind.AccessDenied or StorageErrorKind.ContainerNotFound
        or StorageErrorKind.CircuitOpen or StorageErrorKind.IntegrityMismatch or StorageErrorKind.DecryptionFailed;
}

/// <summary>An operation of a mirror that did not reach every target (or, for a read, any): names the
/// targets that hold the result and those that failed, with each one's error.</summary>
public sealed class MirrorTargetsException : StorageException
{
    internal MirrorTargetsException(string operation, string path, IReadOnlyList<MirrorTarget> held, IReadOnlyList<(MirrorTarget Target, Exception Error)> failed)
        : base(KindOf(failed), Compose(operation, path, held, failed), path.Length == 0 ? null : path, failed[0].Error)
    {
        Held = held.Select(t => t.Name).ToList();
        Failed = failed.Select(f => f.Target.Name).ToList();
    }

    /// <summary>Targets that hold the new version (for writes).</summary>
    public IReadOnlyList<string> Held { get; }

    /// <summary>Targets that failed.</summary>
    public IReadOnlyList<string> Failed { get; }

    static StorageErrorKind KindOf(IReadOnlyList<(MirrorTarget, Exception Error)> failed) =>
        failed[0].Error is StorageException storage ? storage.Kind : StorageErrorKind.Unknown;

    static string Compose(string operation, string path, IReadOnlyList<MirrorTarget> held, IReadOnlyList<(MirrorTarget Target, Exception Error)> failed)
    {
        var what = path.Length == 0 ? $"The mirror's {operation}" : $"The {operation} of '{path}'";
        var errors = string.Join(" ", failed.Select(f => $"Failed on {f.Target.Name}: {f.Error.Message}"));
        if (held.Count == 0) return $"{what} failed on every mirror target it tried. {errors}";
        return $"{what} reached {held.Count} of {held.Count + failed.Count} mirror targets, which now differ. Done on {string.Join(", ", held.Select(t => t.Name))}. {errors}";
    }
}
