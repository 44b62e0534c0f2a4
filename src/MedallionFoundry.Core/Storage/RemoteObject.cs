namespace MedallionFoundry.Storage;

/// <summary>One object (or, in one-level listings, one folder-like common prefix) in remote storage.</summary>
public sealed record RemoteObject
{
    /// <summary>Path relative to the configured prefix: pipes straight into Get-/Remove-BronzeFile.</summary>
    public string Path { get; init; } = "";

    /// <summary>The full object key, prefix included.</summary>
    public string Key { get; init; } = "";

    public long Size { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    /// <summary>The store's entity tag (quotes removed), when it has one.</summary>
    public string? ETag { get; init; }

    /// <summary>Base64 MD5 of the content, when the store knows it.</summary>
    public string? ContentMD5 { get; init; }

    /// <summary>True for a common prefix ("folder") in a one-level listing.</summary>
    public bool IsPrefix { get; init; }

    /// <summary>Backend type that holds it ("local", "s3", "azure", ...).</summary>
    public string Backend { get; init; } = "";

    /// <summary>Name of the connection it was listed through.</summary>
    public string? Connection { get; init; }

    /// <summary>The leaf of <see cref="Path"/> ("part-0001.parquet"; a folder keeps its '/'), for
    /// Sort-Object, Group-Object and -Filter-like scripts. A property here rather than a script property in
    /// a types file: importing a types file cost ~15 ms and ~90 JIT-compiled methods in every fresh pwsh.</summary>
    public string Name
    {
        get
        {
            var path = Path.TrimEnd('/');
            return path[(path.LastIndexOf('/') + 1)..] + (IsPrefix ? "/" : "");
        }
    }

    public override string ToString() => Path;
}

/// <summary>One page of a listing; <paramref name="NextToken"/> is null on the last page.</summary>
public sealed record ListPage(IReadOnlyList<RemoteObject> Objects, IReadOnlyList<string> CommonPrefixes, string? NextToken);

/// <summary>A key a batch delete could not remove, and why.</summary>
public sealed record DeleteFailure(string Key, StorageException Error);
