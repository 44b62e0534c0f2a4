using MedallionFoundry.Storage;

namespace MedallionFoundry.Sync;

/// <summary>How two files are judged equal.</summary>
public enum CompareMode
{
    /// <summary>Same size and same MD5 (the remote MD5 from the listing; never assumed).</summary>
    Hash,
    /// <summary>Same size and the source not newer than the destination (as aws s3 sync): misses same-size edits whose time was set back.</summary>
    SizeAndTime,
    /// <summary>Same size only.</summary>
    Size,
}

/// <summary>Which side is the source.</summary>
public enum SyncDirection
{
    Upload,
    Download,
}

/// <summary>The outcome of comparing one path.</summary>
public enum CompareStatus
{
    Equal,
    Different,
    LocalOnly,
    RemoteOnly,
    Error,
}

/// <summary>One path compared: what each side holds and why they are (not) equal.</summary>
public sealed record FolderComparison
{
    /// <summary>Path relative to the local folder and the remote prefix ('/'-separated).</summary>
    public required string Path { get; init; }

    public required CompareStatus Status { get; init; }

    public LocalFile? Local { get; init; }

    /// <summary>The listed remote object (its Path is relative to the configured prefix).</summary>
    public RemoteObject? Remote { get; init; }

    /// <summary>Why: "MD5 equal", "size differs", "MD5 differs", ...</summary>
    public string Reason { get; init; } = "";

    /// <summary>The failure, for <see cref="CompareStatus.Error"/>.</summary>
    public Exception? Error { get; init; }

    /// <summary>Extra work the decision took (for -Verbose), e.g. that the remote content was read to hash it.</summary>
    public string? Note { get; init; }

    public long? LocalSize => Local?.Size;

    public long? RemoteSize => Remote?.Size;
}

/// <summary>What a sync does with one path.</summary>
public enum SyncActionKind
{
    Upload,
    Download,
    Delete,
    Skip,
}

/// <summary>Why a sync does it.</summary>
public enum SyncReason
{
    New,
    Changed,
    Extraneous,
    Equal,
    Error,
}

/// <summary>One step of a sync plan.</summary>
public sealed record SyncAction(string Path, SyncActionKind Action, SyncReason Reason, long Size, FolderComparison Comparison)
{
    /// <summary>Planned (not run, e.g. -WhatIf), Done, Failed, or NotRun (a delete held back because something failed).</summary>
    public string Result { get; init; } = "Planned";

    /// <summary>The action for one comparison, or null when the path needs nothing (a destination-only
    /// file without -Delete). Errors are skipped and reported.</summary>
    public static SyncAction? For(FolderComparison c, SyncDirection direction, bool delete)
    {
        var transfer = direction == SyncDirection.Upload ? SyncActionKind.Upload : SyncActionKind.Download;
        var sourceOnly = direction == SyncDirection.Upload ? CompareStatus.LocalOnly : CompareStatus.RemoteOnly;
        var sourceSize = (direction == SyncDirection.Upload ? c.LocalSize : c.RemoteSize) ?? 0;
        var destinationSize = (direction == SyncDirection.Upload ? c.RemoteSize : c.LocalSize) ?? 0;
        return c.Status switch
        {
            CompareStatus.Equal => new SyncAction(c.Path, SyncActionKind.Skip, SyncReason.Equal, sourceSize, c),
            CompareStatus.Different => new SyncAction(c.Path, transfer, SyncReason.Changed, sourceSize, c),
            CompareStatus.Error => new SyncAction(c.Path, SyncActionKind.Skip, SyncReason.Error, sourceSize, c),
            _ when c.Status == sourceOnly => new SyncAction(c.Path, transfer, SyncReason.New, sourceSize, c),
            _ => delete ? new SyncAction(c.Path, SyncActionKind.Delete, SyncReason.Extraneous, destinationSize, c) : null,
        };
    }
}

/// <summary>Keeps only source files whose time is within [now - MaxAge, now - MinAge].</summary>
public sealed record AgeFilter(TimeSpan? MinAge, TimeSpan? MaxAge, DateTimeOffset Now)
{
    public bool Includes(DateTimeOffset? time)
    {
        if (MinAge is null && MaxAge is null) return true;
        if (time is not { } t) return false;
        var age = Now - t;
        return (MinAge is null || age >= MinAge) && (MaxAge is null || age <= MaxAge);
    }
}

/// <summary>What one Sync-BronzeFolder run did: the one object it writes without -PassThru.</summary>
public sealed class SyncSummary
{
    public string LocalPath { get; init; } = "";
    public string RemotePath { get; init; } = "";
    public SyncDirection Direction { get; init; }
    public string? Shard { get; init; }
    public int Uploaded { get; set; }
    public int Downloaded { get; set; }
    public int Deleted { get; set; }
    public int Skipped { get; set; }
    public int Failed { get; set; }
    public long Bytes { get; set; }
    public TimeSpan Duration { get; set; }
}
