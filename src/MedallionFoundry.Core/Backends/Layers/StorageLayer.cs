using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// A backend that wraps another (built-in, custom, a mirror or another layer). What a layer does not
/// change goes straight to the inner backend; it keeps the inner backend's type, prefix and batch sizes,
/// and shows itself in front of the inner <see cref="Location"/> ("zstd → aes-gcm → s3://bucket/bronze").
/// </summary>
public abstract class StorageLayer : StorageBackend
{
    protected StorageLayer(StorageBackend inner)
    {
        Inner = inner;
        Prefix = inner.Prefix;
    }

    public StorageBackend Inner { get; }

    /// <summary>How the layer shows in Location ("zstd", "aes-gcm", "cache ~/.cache/mf"). Never a secret.</summary>
    public abstract string LayerText { get; }

    public override string BackendType => Inner.BackendType;

    public override string Location => $"{LayerText} → {Inner.Location}";

    public override int MaxDeleteBatchSize => Inner.MaxDeleteBatchSize;

    public override int DefaultConcurrency => Inner.DefaultConcurrency;

    public override Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken) =>
        Inner.ListPageAsync(keyPrefix, options, continuationToken, cancellationToken);

    public override Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken) => Inner.StatAsync(key, cancellationToken);

    public override Task DeleteAsync(string key, CancellationToken cancellationToken) => Inner.DeleteAsync(key, cancellationToken);

    public override Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        Inner.DeleteManyAsync(keys, cancellationToken);

    public override Task CheckAsync(CancellationToken cancellationToken) => Inner.CheckAsync(cancellationToken);

    /// <summary>A layer that changes the stored bytes says no, so copies stream through it (decoded, then encoded again).</summary>
    public override ServerCopySupport CanCopyServerSide(StorageBackend source) =>
        ServerCopySupport.No($"the {LayerText} layer changes the stored bytes");

    public override ValueTask DisposeAsync() => Inner.DisposeAsync();

    /// <summary>An object as a layer that changes the bytes reports it: the store's MD5 is of the stored bytes, not
    /// the plain ones, so it goes; the ETag gets the layer's mark, so it still names the version but no longer
    /// reads as an MD5 (sync compares a single-part S3 ETag with the local MD5).</summary>
    protected RemoteObject Encoded(RemoteObject stored) => stored.IsPrefix ? stored : stored with
    {
        ContentMD5 = null,
        ETag = stored.ETag is null ? null : $"{stored.ETag}+{LayerText}",
    };

    /// <summary>Options for the inner backend: the caller's MD5 and length describe the plain bytes, not what the layer
    /// stores (<paramref name="storedLength"/> is the stored length, when the layer knows it).</summary>
    protected static UploadOptions InnerUpload(UploadOptions options, long? storedLength = null) => new()
    {
        Length = storedLength,
        Overwrite = options.Overwrite,
        ContentType = options.ContentType,
        Source = options.Source,
        WriteId = options.WriteId,
    };
}
