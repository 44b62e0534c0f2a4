namespace MedallionFoundry.Storage.Resume;

/// <summary>
/// What an interrupted transfer leaves so that the same command can continue it: the connection
/// target (a location without secrets), the key, the local file and what identified both sides when
/// it began. Holds no credentials. Saved as JSON (<see cref="TransferStateJson"/>) in <see cref="TransferStates.Folder"/>.
/// </summary>
public sealed class TransferState
{
    public const string Download = "download";
    public const string Upload = "upload";

    /// <summary><see cref="Download"/> or <see cref="Upload"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The backend type ("s3", "azure").</summary>
    public string Backend { get; set; } = "";

    /// <summary>The connection target as Get-BronzeStorage shows it (never a secret).</summary>
    public string Location { get; set; } = "";

    /// <summary>The full object key.</summary>
    public string Key { get; set; } = "";

    /// <summary>The local file: the download's final name, or the file being uploaded.</summary>
    public string LocalPath { get; set; } = "";

    /// <summary>Downloads: the hidden temporary file that holds the bytes received so far.</summary>
    public string? TempPath { get; set; }

    /// <summary>Downloads: the remote object's ETag when it began (a changed object starts over).</summary>
    public string? ETag { get; set; }

    /// <summary>Downloads written out of order (parallel ranges): the bytes at the start of the temporary file
    /// known to be complete (beyond them may be holes). Null: the file was written in order, all of it counts.</summary>
    public long? CompletePrefix { get; set; }

    /// <summary>The object's size (downloads) or the local file's size (uploads).</summary>
    public long Size { get; set; }

    /// <summary>Uploads: the local file's last write time when it began.</summary>
    public DateTime LocalWriteTimeUtc { get; set; }

    /// <summary>Uploads: base64 MD5 of the local file when it began: the whole file (S3, which hashes it first anyway), its first block (Azure).</summary>
    public string? ContentMD5 { get; set; }

    /// <summary>Uploads: the S3 multipart upload id, or the Azure block id stem.</summary>
    public string? UploadId { get; set; }

    /// <summary>Uploads: the part (block) size the parts were cut with.</summary>
    public long PartSize { get; set; }

    /// <summary>Uploads: the parts known to have landed, by part number (S3) or block index (Azure).</summary>
    public SortedDictionary<int, PartRecord> Parts { get; set; } = new();

    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;

    public DateTime UpdatedUtc { get; set; } = DateTime.UtcNow;

    /// <summary>Where this state is saved (set when it is read or first saved; not part of the JSON).</summary>
    public string? FilePath { get; internal set; }
}

/// <summary>One part that landed: the store's ETag for it and the MD5 (base64) of the local bytes it was cut from.</summary>
public sealed record PartRecord(string? ETag, string Md5, long Length);
