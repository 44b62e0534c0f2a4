using System.Buffers.Binary;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// The 14 bytes in front of every object the compress layer writes (the backends have no user-metadata
/// path, so the stored bytes say how they were compressed): "MFCZ", version 1, the algorithm
/// (1 zstd, 2 gzip), and the plain length as a big-endian int64 (-1 when it was not known).
/// An object that does not start with them is read through as it is.
/// </summary>
internal static class CompressHeader
{
    public const int Size = 14;

    static ReadOnlySpan<byte> Magic => "MFCZ"u8;

    const byte Version = 1;

    public static byte[] Write(CompressAlgorithm algorithm, long? length)
    {
        var header = new byte[Size];
        Magic.CopyTo(header);
        header[4] = Version;
        header[5] = (byte)algorithm;
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(6), length ?? -1);
        return header;
    }

    /// <summary>True when <paramref name="bytes"/> start with a header this version reads.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out CompressAlgorithm algorithm, out long? length)
    {
        algorithm = default;
        length = null;
        if (bytes.Length < Size || !bytes[..4].SequenceEqual(Magic) || bytes[4] != Version) return false;
        if (!Enum.IsDefined((CompressAlgorithm)bytes[5])) return false;
        algorithm = (CompressAlgorithm)bytes[5];
        var stored = BinaryPrimitives.ReadInt64BigEndian(bytes[6..]);
        length = stored < 0 ? null : stored;
        return true;
    }
}

internal enum CompressAlgorithm : byte { Zstd = 1, Gzip = 2 }
