namespace MedallionFoundry.Storage;

/// <summary>Options shared by uploads and downloads.</summary>
public class TransferOptions
{
    /// <summary>Receives the number of bytes moved since the last report (may be called from worker threads).</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>Start over: ignore (and remove) what an interrupted run of this transfer left (-NoResume).</summary>
    public bool NoResume { get; init; }

    /// <summary>Called by a backend once a download's object (size, ETag) is known, before its first byte is
    /// written: a resumable download records it then. Backends that never call it are never resumed.</summary>
    public Action<RemoteObject>? Started { get; init; }

    /// <summary>Called by a backend that writes a download out of order (parallel ranges): with 0 before the
    /// first byte, then each time the prefix of the file that is completely written grows past a part.
    /// Bytes beyond it may have holes, so a resumed download keeps only that prefix.</summary>
    public Action<long>? PrefixComplete { get; init; }

    /// <summary>The size the caller expects the object to have (a listed size), or null. A hint only: a backend
    /// may choose its requests by it (Azure reads a small blob with one plain GET) but never trusts it.</summary>
    public long? ExpectedSize { get; init; }

    public static TransferOptions Default { get; } = new();
}

/// <summary>Options for an upload.</summary>
public sealed class UploadOptions : TransferOptions
{
    /// <summary>When false, an existing object is not replaced: the upload fails with a conflict.</summary>
    public bool Overwrite { get; init; } = true;

    public string? ContentType { get; init; }

    /// <summary>The local file's size and time when this attempt began (set by BronzeStore): a backend
    /// checks it again before it commits, so a file changed meanwhile is not stored.</summary>
    public SourceSnapshot? Source { get; init; }

    /// <summary>Names one upload across its retries (set by BronzeStore), so a retried conditional write
    /// (Overwrite = false) can recognise its own earlier success after a lost response.</summary>
    public string? WriteId { get; init; }

    /// <summary>Base64 MD5 the content must have, when the caller knows it (a copy from a store that
    /// recorded it). A backend may store it up front; it must then fail the upload, leaving nothing,
    /// when the bytes hash differently.</summary>
    public string? ContentMD5 { get; init; }

    /// <summary>The content's length when the caller knows it and the stream cannot tell (sizes parts).</summary>
    public long? Length { get; init; }

    public static new UploadOptions Default { get; } = new();

    /// <summary>These options for one attempt of one upload.</summary>
    public UploadOptions ForAttempt(SourceSnapshot? source, string writeId) => new()
    {
        Progress = Progress,
        NoResume = NoResume,
        Overwrite = Overwrite,
        ContentType = ContentType,
        ContentMD5 = ContentMD5,
        Length = Length,
        Source = source,
        WriteId = writeId,
    };
}

/// <summary>Options for a copy between two remote paths (Copy-/Move-BronzeFile).</summary>
public sealed class CopyOptions : TransferOptions
{
    /// <summary>When false, an existing destination is not replaced: the copy fails with a conflict.</summary>
    public bool Overwrite { get; init; } = true;

    /// <summary>The source is deleted once the copy is verified (Move-BronzeFile). A backend that can
    /// rename within itself may do that instead.</summary>
    public bool Move { get; init; }

    public static new CopyOptions Default { get; } = new();
}

/// <summary>Options for a listing.</summary>
public sealed class ListOptions
{
    /// <summary>True: every key below the prefix. False: one level, deeper keys folded into common prefixes.</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>Maximum objects per page the backend asks for (the backend may cap it).</summary>
    public int PageSize { get; init; } = 1000;
}
