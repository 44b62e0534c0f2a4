using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// Client-side authenticated encryption: AES-256-GCM in chunks (<see cref="EncryptedFormat"/>), streaming
/// both ways with flat memory. The 256-bit key comes from an environment variable (base64); it is held
/// here only, never shown (Location says "aes-gcm"), and the key id in each object's header makes a
/// wrong key a clear DecryptionFailed. Object names and sizes are not hidden.
/// </summary>
public sealed class EncryptLayer : StorageLayer
{
    public static readonly OptionDeclaration KeyEnv = new()
    {
        Key = "key_env", Section = LayerDescriptor.SectionOf("encrypt"), Type = OptionType.EnvVarName, Required = true, Sensitive = true,
        Help = "Name of the environment variable holding the 256-bit key in base64 (e.g. from: openssl rand -base64 32).",
    };

    public static LayerDescriptor Descriptor { get; } = new()
    {
        Name = "encrypt",
        Description = "Encrypts objects with AES-256-GCM before they are stored; downloads are authenticated.",
        Options = [KeyEnv],
        Create = (entry, inner) => Create(entry, inner),
    };

    readonly byte[] _key;
    readonly byte[] _keyId;
    readonly string _keySource;

    /// <param name="keySource">Where the key came from, for errors ("the environment variable 'X'"); never the key.</param>
    public EncryptLayer(StorageBackend inner, byte[] key, string keySource = "the configured key") : base(inner)
    {
        if (key.Length != 32) throw new ArgumentException("The key must be 32 bytes (256 bits).", nameof(key));
        _key = key.ToArray();
        _keyId = EncryptedFormat.KeyId(_key);
        _keySource = keySource;
    }

    static EncryptLayer Create(LayerEntry entry, StorageBackend inner)
    {
        var text = entry.String(KeyEnv)!;
        var source = entry.Options.DescribeVariable(KeyEnv.Key);
        var key = new byte[32];
        if (!Convert.TryFromBase64String(text.Trim(), key, out var length) || length != 32)
            throw entry.Options.Error(KeyEnv.Key, $"The key '{entry.Options.KeyPath(KeyEnv.Key)}': {source} must hold a 256-bit key in base64 (32 bytes, 44 characters).");
        return new EncryptLayer(inner, key, source);
    }

    public override string LayerText => "aes-gcm";

    /// <summary>The key id stored in each object's header (hex); not secret.</summary>
    public string KeyId => Convert.ToHexString(_keyId).ToLowerInvariant();

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        long? length = options.Length ?? (content.CanSeek ? content.Length - content.Position : null);
        var plain = new CountingReadStream(content, options.Progress);
        await using var sealedBytes = new EncryptingReadStream(plain, _key, _keyId);
        var stored = await Inner.UploadAsync(key, sealedBytes, InnerUpload(options, length is { } n ? StoredLength(n) : null), cancellationToken).ConfigureAwait(false);
        return Encoded(stored) with { Size = plain.Count };
    }

    static long StoredLength(long plain) =>
        EncryptedFormat.HeaderSize + plain + Math.Max(1, (plain + EncryptedFormat.ChunkSize - 1) / EncryptedFormat.ChunkSize) * EncryptedFormat.TagSize;

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        var output = new CountingWriteStream(destination, options.Progress);
        await using var decrypting = new DecryptingWriteStream(output, _key, _keyId, key, _keySource);
        var stored = await Inner.DownloadAsync(key, decrypting, TransferOptions.Default, cancellationToken).ConfigureAwait(false);
        await decrypting.FinishAsync(cancellationToken).ConfigureAwait(false);
        return Encoded(stored) with { Size = output.Count };
    }

    public override async Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken) =>
        await Inner.StatAsync(key, cancellationToken).ConfigureAwait(false) is { } stat ? Plain(stat) : null;

    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await Inner.ListPageAsync(keyPrefix, options, continuationToken, cancellationToken).ConfigureAwait(false);
        return page with { Objects = page.Objects.Select(Plain).ToList() };
    }

    /// <summary>The plain size follows from the stored size (fixed header, one tag per chunk); the stored MD5 is of ciphertext.</summary>
    RemoteObject Plain(RemoteObject stored) =>
        stored.IsPrefix ? stored : Encoded(stored) with { Size = EncryptedFormat.PlainLength(stored.Size) };
}
