using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace MedallionFoundry.Sync;

/// <summary>
/// MD5 of local files, whole (base64, as Content-MD5) or as an S3 multipart ETag for a given part
/// size ("hex-of-md5-of-part-md5s-N"), read in one sequential pass with flat memory. Results are
/// cached in a <see cref="HashCache"/> when one is given.
/// </summary>
public sealed class LocalHasher(HashCache? cache = null)
{
    const int BufferSize = 1 << 20;

    public HashCache? Cache { get; } = cache;

    /// <summary>How many files were read (not answered from the cache): for -Verbose and tests.</summary>
    public int FilesRead => _filesRead;
    int _filesRead;

    public Task<string> Md5Async(string path, CancellationToken cancellationToken) =>
        Cached(path, "md5", () => HashAsync(path, partSize: 0, cancellationToken));

    /// <summary>The ETag S3 gives a multipart upload of this file in parts of <paramref name="partSize"/> bytes.</summary>
    public Task<string> MultipartETagAsync(string path, long partSize, CancellationToken cancellationToken) =>
        Cached(path, $"etag-{partSize}", () => HashAsync(path, partSize, cancellationToken));

    async Task<string> Cached(string path, string kind, Func<Task<string>> compute)
    {
        var identity = Cache is null ? null : FileIdentity.Of(path);
        if (identity is not null && Cache!.TryGet(path, kind, identity, out var known)) return known;
        var hash = await compute().ConfigureAwait(false);
        Interlocked.Increment(ref _filesRead);
        // Cache only when the file did not change while it was read.
        if (identity is not null && FileIdentity.Of(path) == identity) Cache!.Set(path, kind, identity, hash);
        return hash;
    }

    static async Task<string> HashAsync(string path, long partSize, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var part = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long inPart = 0;
            var parts = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (partSize <= 0) { whole.AppendData(buffer, 0, read); continue; }
                var offset = 0;
                while (offset < read)
                {
                    var take = (int)Math.Min(read - offset, partSize - inPart);
                    part.AppendData(buffer, offset, take);
                    offset += take;
                    inPart += take;
                    if (inPart == partSize) { whole.AppendData(part.GetHashAndReset()); parts++; inPart = 0; }
                }
            }
            if (partSize <= 0) return Convert.ToBase64String(whole.GetHashAndReset());
            if (inPart > 0 || parts == 0) { whole.AppendData(part.GetHashAndReset()); parts++; }
            return $"{Convert.ToHexString(whole.GetHashAndReset()).ToLowerInvariant()}-{parts}";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>
/// Hashes of local files remembered between runs, so a re-sync of a large unchanged tree does not
/// read every file again. An entry is used only while the file's <see cref="FileIdentity"/> (size,
/// modification time and the OS change time, which no program can set back) is the one recorded
/// when it was hashed; any write makes the entry stale. Stored as one small text file per root
/// folder in <see cref="DefaultFolder"/>; deleting that folder is always safe.
/// </summary>
public sealed class HashCache
{
    /// <summary>Environment variable naming another cache folder, or "off" for no cache.</summary>
    public const string FolderVariable = "MEDALLIONFOUNDRY_HASH_CACHE";

    readonly string _file;
    readonly ConcurrentDictionary<(string Path, string Kind), (string Identity, string Hash)> _entries = new();
    bool _changed;

    HashCache(string file)
    {
        _file = file;
        foreach (var (key, value) in Read(file)) _entries[key] = value;
    }

    /// <summary>~/.local/share/MedallionFoundry/hash-cache on Linux, %LOCALAPPDATA%\MedallionFoundry\hash-cache on Windows.</summary>
    public static string? DefaultFolder
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(FolderVariable);
            if (string.Equals(configured, "off", StringComparison.OrdinalIgnoreCase)) return null;
            if (!string.IsNullOrWhiteSpace(configured)) return configured;
            var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return string.IsNullOrEmpty(data) ? null : Path.Combine(data, "MedallionFoundry", "hash-cache");
        }
    }

    /// <summary>The cache of the files under <paramref name="root"/>, or null when caching is off or
    /// this OS gives no change time.</summary>
    public static HashCache? ForRoot(string root)
    {
        var folder = DefaultFolder;
        if (folder is null || !FileIdentity.Supported) return null;
        var full = Path.GetFullPath(root);
        return new HashCache(Path.Combine(folder, $"{Shard.Hash(full):x8}-{Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar))}.tsv"));
    }

    public string FilePath => _file;

    public bool TryGet(string path, string kind, string identity, out string hash)
    {
        hash = "";
        if (!_entries.TryGetValue((path, kind), out var entry) || entry.Identity != identity) return false;
        hash = entry.Hash;
        return true;
    }

    public void Set(string path, string kind, string identity, string hash)
    {
        _entries[(path, kind)] = (identity, hash);
        _changed = true;
    }

    /// <summary>Writes the cache (merged with what other processes saved meanwhile). Never throws:
    /// a cache that cannot be saved only costs hashing next time.</summary>
    public void Save()
    {
        if (!_changed) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            var merged = Read(_file).ToDictionary(e => e.Key, e => e.Value);
            foreach (var (key, value) in _entries) merged[key] = value;
            var temp = $"{_file}.{Guid.NewGuid():N}.tmp";
            using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
                foreach (var ((path, kind), (identity, hash)) in merged)
                    if (!path.Contains('\t') && !path.Contains('\n')) writer.Write($"{kind}\t{identity}\t{hash}\t{path}\n");
            File.Move(temp, _file, overwrite: true);
            _changed = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    static IEnumerable<KeyValuePair<(string, string), (string, string)>> Read(string file)
    {
        string[] lines;
        try { lines = File.Exists(file) ? File.ReadAllLines(file) : []; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var line in lines)
        {
            var fields = line.Split('\t', 4);
            if (fields.Length == 4) yield return new((fields[3], fields[0]), (fields[1], fields[2]));
        }
    }
}
