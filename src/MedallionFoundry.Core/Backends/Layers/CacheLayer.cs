using System.Security.Cryptography;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// A read-through cache for downloads in a local folder. Each download asks the store for the object's
/// current version (a Stat: HEAD, no bytes); an unchanged object is served from the folder, a new or
/// changed one is fetched once and kept. Uploads, listings and deletes go straight through. Under an
/// encrypt layer (written after it) the folder holds only encrypted bytes.
/// </summary>
public sealed class CacheLayer : StorageLayer
{
    static readonly string Section = LayerDescriptor.SectionOf("cache");

    public static readonly OptionDeclaration CachePath = new()
    {
        Key = "path", Section = Section, Type = OptionType.Path, DefaultValue = "~/.cache/medallionfoundry",
        Help = "Folder of the cache (~ is the home folder; relative paths resolve against the PowerShell location).",
    };

    public static readonly OptionDeclaration MaxSize = new()
    {
        Key = "max_size", Section = Section, Type = OptionType.Size, DefaultValue = 10L << 30, Min = 1 << 20,
        Help = "Most bytes the folder keeps; the least recently used objects are removed first. Larger objects are not cached.",
    };

    public static LayerDescriptor Descriptor { get; } = new()
    {
        Name = "cache",
        Description = "Keeps downloaded objects in a local folder; an unchanged object is not downloaded again.",
        Options = [CachePath, MaxSize],
        Create = (entry, inner) => new CacheLayer(inner, ResolvePath(entry.String(CachePath)!, entry.Config.BaseDirectory), entry.Size(MaxSize)!.Value),
    };

    readonly DownloadCache _cache;

    public CacheLayer(StorageBackend inner, string folder, long maxBytes) : base(inner)
    {
        _cache = new DownloadCache(Path.GetFullPath(folder), maxBytes);
    }

    static string ResolvePath(string path, string baseDirectory)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (path == "~") path = home;
        else if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)) path = Path.Combine(home, path[2..]);
        return Path.GetFullPath(path, baseDirectory);
    }

    public override string LayerText => $"cache {_cache.Root}";

    /// <summary>The folder of the cache.</summary>
    public string Folder => _cache.Root;

    public override Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken) =>
        Inner.UploadAsync(key, content, options, cancellationToken);

    public override Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken) =>
        Inner.UploadFileAsync(localPath, key, options, cancellationToken);

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        var current = await Inner.StatAsync(key, cancellationToken).ConfigureAwait(false);
        if (current is null || Identity(key, current) is not { } identity || current.Size > _cache.MaxBytes)
            return await Inner.DownloadAsync(key, destination, options, cancellationToken).ConfigureAwait(false); // a missing object's error, or not cacheable

        if (await _cache.FindAsync(identity, current.Size, cancellationToken).ConfigureAwait(false) is { } hit && Open(hit) is { } input)
        {
            await using (input)
                await input.CopyToAsync(new CountingWriteStream(destination, options.Progress), 1 << 17, cancellationToken).ConfigureAwait(false);
            return current;
        }
        return await FetchAsync(key, destination, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The entry's bytes; null when another download's eviction removed it just now.</summary>
    static FileStream? Open(string file)
    {
        try { return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    /// <summary>Downloads into the destination and a cache temp file at once; the entry is kept only when the
    /// download succeeded and names its own version.</summary>
    async Task<RemoteObject> FetchAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        var temp = _cache.NewTempFile();
        try
        {
            RemoteObject fetched;
            byte[] hash;
            await using (var copy = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                fetched = await Inner.DownloadAsync(key, new TeeWriteStream(destination, copy, sha), options, cancellationToken).ConfigureAwait(false);
                hash = sha.GetHashAndReset();
            }
            if (Identity(key, fetched) is { } identity && new FileInfo(temp).Length <= _cache.MaxBytes)
                await _cache.AddAsync(identity, temp, hash, cancellationToken).ConfigureAwait(false);
            return fetched;
        }
        finally
        {
            DownloadCache.TryDelete(temp); // gone already when it was added
        }
    }

    /// <summary>What names one version of one object: the store, the key and its ETag (else size and time); null when the store tells neither.</summary>
    string? Identity(string key, RemoteObject version)
    {
        var tag = version.ETag is { Length: > 0 } etag ? $"etag:{etag}"
            : version.LastModified is { } time ? $"size:{version.Size};time:{time.UtcTicks}" : null;
        return tag is null ? null : $"{Inner.Location}\n{key}\n{tag}";
    }

    /// <summary>The cache keeps bytes as they are: a copy may stay inside the store when the backend below can do it.</summary>
    public override ServerCopySupport CanCopyServerSide(StorageBackend source) => Inner.CanCopyServerSide(Below(source));

    public override Task<ServerCopyResult> CopyFromAsync(StorageBackend source, string sourceKey, string destinationKey, CopyOptions options, CancellationToken cancellationToken) =>
        Inner.CopyFromAsync(Below(source), sourceKey, destinationKey, options, cancellationToken);

    static StorageBackend Below(StorageBackend backend) => backend is CacheLayer cache ? cache.Inner : backend;

    /// <summary>Writes to the destination and the cache file, hashing what passes.</summary>
    sealed class TeeWriteStream(Stream destination, Stream copy, IncrementalHash sha) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            destination.Write(buffer);
            copy.Write(buffer);
            sha.AppendData(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await destination.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            sha.AppendData(buffer.Span);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => destination.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => destination.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
