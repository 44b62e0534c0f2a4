using System.IO.Compression;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// Compresses what is uploaded (zstd or gzip) and decompresses what is downloaded, streaming both ways
/// through a bounded pipe. Every object it writes starts with a <see cref="CompressHeader"/>; objects
/// without one (written before the layer was configured) are read through as they are.
/// </summary>
public sealed class CompressLayer : StorageLayer
{
    static readonly string Section = LayerDescriptor.SectionOf("compress");

    public static readonly OptionDeclaration Algorithm = new()
    {
        Key = "algorithm", Section = Section, Type = OptionType.Enum, Allowed = ["zstd", "gzip"], DefaultValue = "zstd",
        Help = "zstd (fast, small) or gzip (readable by any tool once the 14-byte header is cut off).",
    };

    public static readonly OptionDeclaration Level = new()
    {
        Key = "level", Section = Section, Type = OptionType.Int, Min = 1, Max = 22, DefaultText = "3 (zstd), 6 (gzip)",
        Help = "Compression level: 1..22 for zstd, 1..9 for gzip (1-3 fastest, 4-6 optimal, 7-9 smallest).",
    };

    public static LayerDescriptor Descriptor { get; } = new()
    {
        Name = "compress",
        Description = "Compresses objects with zstd or gzip; objects written without it read through as they are.",
        Options = [Algorithm, Level],
        Create = (entry, inner) => Create(entry, inner),
    };

    readonly CompressAlgorithm _algorithm;
    readonly int _level;

    public CompressLayer(StorageBackend inner, string algorithm = "zstd", int? level = null) : base(inner)
    {
        _algorithm = algorithm == "gzip" ? CompressAlgorithm.Gzip : CompressAlgorithm.Zstd;
        _level = level ?? (_algorithm == CompressAlgorithm.Gzip ? 6 : 3);
    }

    static CompressLayer Create(LayerEntry entry, StorageBackend inner)
    {
        var algorithm = entry.String(Algorithm)!;
        var level = entry.Int(Level);
        if (algorithm == "gzip" && level > 9)
            throw entry.Options.Error(Level.Key, $"The key '{entry.Options.KeyPath(Level.Key)}' must be between 1 and 9 for gzip, not {level}.");
        return new CompressLayer(inner, algorithm, level);
    }

    public override string LayerText => _algorithm == CompressAlgorithm.Gzip ? "gzip" : "zstd";

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        long? length = options.Length ?? (content.CanSeek ? content.Length - content.Position : null);
        var plain = new CountingReadStream(content, options.Progress);
        var stored = await LayerPipe.RunAsync(async (output, ct) =>
        {
            await output.WriteAsync(CompressHeader.Write(_algorithm, length), ct).ConfigureAwait(false);
            await using (var compressor = Compressor(output))
                await plain.CopyToAsync(compressor, 1 << 17, ct).ConfigureAwait(false);
            // The header promised this length: a source that changed meanwhile must not be stored.
            if (length is { } expected && plain.Count != expected)
                throw new StorageSourceChangedException($"The content of '{key}' was {plain.Count} bytes, {expected} expected: it changed while it was compressed.", key);
        }, (input, ct) => Inner.UploadAsync(key, input, InnerUpload(options), ct), cancellationToken).ConfigureAwait(false);
        return Encoded(stored) with { Size = plain.Count };
    }

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        var output = new CountingWriteStream(destination, options.Progress);
        RemoteObject? stored = null;
        var compressed = await LayerPipe.RunAsync(
            async (pipe, ct) => stored = await Inner.DownloadAsync(key, pipe, TransferOptions.Default, ct).ConfigureAwait(false),
            (input, ct) => DecodeAsync(key, input, output, ct), cancellationToken).ConfigureAwait(false);
        return (compressed ? Encoded(stored!) : stored!) with { Size = output.Count };
    }

    /// <summary>Writes the plain bytes of a stored object; false when it had no header (copied as it is).</summary>
    static async Task<bool> DecodeAsync(string key, Stream input, Stream output, CancellationToken cancellationToken)
    {
        var head = new byte[CompressHeader.Size];
        var read = await input.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (!CompressHeader.TryRead(head.AsSpan(0, read), out var algorithm, out var length))
        {
            await output.WriteAsync(head.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            await input.CopyToAsync(output, 1 << 17, cancellationToken).ConfigureAwait(false);
            return false;
        }

        var before = output.Position;
        try
        {
            await using var decompressor = Decompressor(algorithm, input);
            await decompressor.CopyToAsync(output, 1 << 17, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or ZstdSharp.ZstdException or EndOfStreamException)
        {
            throw new StorageIntegrityException($"The remote file '{key}' is not valid {algorithm.ToString().ToLowerInvariant()} data: {ex.Message}", key);
        }
        if (await input.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0)
            throw new StorageIntegrityException($"The remote file '{key}' has bytes after its compressed data.", key);
        if (length is { } expected && output.Position - before != expected)
            throw new StorageIntegrityException($"The remote file '{key}' decompressed to {output.Position - before} bytes, {expected} recorded.", key);
        return true;
    }

    Stream Compressor(Stream output) => _algorithm == CompressAlgorithm.Gzip
        ? new GZipStream(output, _level switch { <= 3 => CompressionLevel.Fastest, <= 6 => CompressionLevel.Optimal, _ => CompressionLevel.SmallestSize }, leaveOpen: true)
        : new ZstdSharp.CompressionStream(output, _level, leaveOpen: true);

    static Stream Decompressor(CompressAlgorithm algorithm, Stream input) => algorithm == CompressAlgorithm.Gzip
        ? new GZipStream(input, CompressionMode.Decompress, leaveOpen: true)
        : new ZstdSharp.DecompressionStream(input, leaveOpen: true);

    /// <summary>The plain size comes from the header (one short read of the object's first bytes).</summary>
    public override async Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        if (await Inner.StatAsync(key, cancellationToken).ConfigureAwait(false) is not { } stat) return null;
        var head = await HeadReader.ReadAsync(Inner, key, CompressHeader.Size, cancellationToken).ConfigureAwait(false);
        if (head is null || !CompressHeader.TryRead(head, out _, out var length)) return stat;
        return Encoded(stat) with { Size = length ?? stat.Size };
    }

    /// <summary>Listings show stored sizes (the plain size needs a read per object); whether an object is compressed
    /// is not known here either, so every one is reported as encoded (no MD5).</summary>
    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await Inner.ListPageAsync(keyPrefix, options, continuationToken, cancellationToken).ConfigureAwait(false);
        return page with { Objects = page.Objects.Select(Encoded).ToList() };
    }
}
