using System.Buffers.Binary;
using System.Security.Cryptography;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// The bytes the encrypt layer stores (docs/layers.md describes them for other tools):
/// a 54-byte header, then the plain bytes in chunks of <see cref="ChunkSize"/> (the last one shorter,
/// possibly empty), each encrypted with AES-256-GCM and followed by its 16-byte tag.
/// <list type="bullet">
/// <item>header: "MFENCRYP", version 1, algorithm 1 (AES-256-GCM), chunk size (uint32 big-endian),
/// key id (8 bytes), salt (32 random bytes).</item>
/// <item>key id: the first 8 bytes of HMAC-SHA256(key, "MedallionFoundry key id v1"): names the key, reveals nothing of it.</item>
/// <item>each object has its own key: HKDF-SHA256(key, salt, "MedallionFoundry aes-256-gcm v1"), so nonces never repeat under one key.</item>
/// <item>nonce of chunk i: 3 zero bytes, i as a uint64 big-endian, then 1 for the last chunk and 0 for the others
/// (a cut at a chunk boundary fails: the new last chunk was not sealed as last).</item>
/// <item>associated data of every chunk: the 54 header bytes (a changed header fails every chunk).</item>
/// </list>
/// </summary>
internal static class EncryptedFormat
{
    public const int HeaderSize = 54;
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int KeyIdSize = 8;
    public const int MaxChunkSize = 16 << 20;

    public static ReadOnlySpan<byte> Magic => "MFENCRYP"u8;

    const byte Version = 1;
    const byte AesGcm256 = 1;

    public static byte[] KeyId(byte[] key) => HMACSHA256.HashData(key, "MedallionFoundry key id v1"u8)[..KeyIdSize];

    public static byte[] NewHeader(byte[] keyId)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        header[8] = Version;
        header[9] = AesGcm256;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(10), ChunkSize);
        keyId.CopyTo(header, 14);
        RandomNumberGenerator.Fill(header.AsSpan(22, 32));
        return header;
    }

    /// <summary>The object's own key, from the configured key and the header's salt.</summary>
    public static byte[] ObjectKey(byte[] key, ReadOnlySpan<byte> header) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, header.Slice(22, 32).ToArray(), "MedallionFoundry aes-256-gcm v1"u8.ToArray());

    public static void Nonce(Span<byte> nonce, long index, bool last)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[3..], (ulong)index);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>Checks a stored header against the configured key; returns its chunk size.</summary>
    public static int Open(ReadOnlySpan<byte> header, byte[] keyId, string key, string keySource)
    {
        if (!header[..8].SequenceEqual(Magic))
            throw new StorageDecryptionException($"The remote file '{key}' is not encrypted (it has no MFENCRYP header): it was written without the encrypt layer.", key);
        if (header[8] != Version || header[9] != AesGcm256)
            throw new StorageDecryptionException($"The remote file '{key}' uses encryption format {header[8]}.{header[9]}, which this version does not read.", key);
        var chunk = BinaryPrimitives.ReadUInt32BigEndian(header[10..]);
        if (chunk is 0 or > MaxChunkSize)
            throw new StorageDecryptionException($"The remote file '{key}' has a damaged encryption header (chunk size {chunk}).", key);
        var stored = header.Slice(14, KeyIdSize);
        if (!stored.SequenceEqual(keyId))
            throw new StorageDecryptionException(
                $"The remote file '{key}' was encrypted with another key (key id {Convert.ToHexString(stored).ToLowerInvariant()}); {keySource} has key id {Convert.ToHexString(keyId).ToLowerInvariant()}.", key);
        return (int)chunk;
    }

    /// <summary>The plain length of a stored object of <paramref name="stored"/> bytes in the v1 chunk size (for Stat and listings).</summary>
    public static long PlainLength(long stored)
    {
        var body = stored - HeaderSize;
        if (body < TagSize) return 0;
        var chunks = (body + ChunkSize + TagSize - 1) / (ChunkSize + TagSize);
        return body - chunks * TagSize;
    }
}

/// <summary>An encrypted object that cannot be decrypted: another key, or damaged, truncated or altered bytes. Never retried.</summary>
public sealed class StorageDecryptionException(string message, string? path = null)
    : StorageException(StorageErrorKind.DecryptionFailed, message, path);
