using System.Security.Cryptography;
using System.Text;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// The cache layer's folder. One object version (store location + key + ETag) is one folder named by
/// the SHA-256 of that identity, holding one file named by the SHA-256 of its bytes: an entry appears
/// by one rename, a reader checks the bytes against the name (a damaged entry is dropped), and the
/// least recently used files go first once the folder holds more than its limit.
/// </summary>
internal sealed class DownloadCache(string root, long maxBytes)
{
    const string DataSuffix = ".data";

    readonly SemaphoreSlim _evicting = new(1, 1);

    public string Root { get; } = root;

    public long MaxBytes { get; } = maxBytes;

    static string Hex(byte[] hash) => Convert.ToHexString(hash).ToLowerInvariant();

    string FolderOf(string identity) => Path.Combine(Root, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(identity))));

    /// <summary>The entry's file, checked against its hash and marked as just used; null when there is none
    /// (or it was damaged, then it is removed).</summary>
    public async Task<string?> FindAsync(string identity, long size, CancellationToken cancellationToken)
    {
        var folder = FolderOf(identity);
        if (!Directory.Exists(folder)) return null;
        foreach (var file in Directory.EnumerateFiles(folder, "*" + DataSuffix))
        {
            var expected = Path.GetFileName(file)[..^DataSuffix.Length];
            try
            {
                if (new FileInfo(file).Length == size && await HashOfAsync(file, cancellationToken).ConfigureAwait(false) == expected)
                {
                    File.SetLastWriteTimeUtc(file, DateTime.UtcNow); // "recently used", for eviction
                    return file;
                }
                TryDelete(file); // damaged or truncated: fetched again
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { } // removed meanwhile (eviction): a miss
        }
        return null;
    }

    static async Task<string> HashOfAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        return Hex(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A temp file in the cache folder for a download to fill.</summary>
    public string NewTempFile()
    {
        var folder = Path.Combine(Root, ".tmp");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, Guid.NewGuid().ToString("N"));
    }

    /// <summary>Moves a filled temp file in as the entry of <paramref name="identity"/>, then evicts down to the limit.</summary>
    public async Task AddAsync(string identity, string temp, byte[] sha256, CancellationToken cancellationToken)
    {
        var folder = FolderOf(identity);
        Directory.CreateDirectory(folder);
        File.Move(temp, Path.Combine(folder, Hex(sha256) + DataSuffix), overwrite: true);
        await EvictAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the least recently used entries until the folder holds at most <see cref="MaxBytes"/>.</summary>
    async Task EvictAsync(CancellationToken cancellationToken)
    {
        await _evicting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = new DirectoryInfo(Root).EnumerateFiles("*" + DataSuffix, SearchOption.AllDirectories)
                .Where(f => f.Directory?.Name != ".tmp").OrderBy(f => f.LastWriteTimeUtc).ToList();
            var total = entries.Sum(f => f.Length);
            foreach (var entry in entries)
            {
                if (total <= MaxBytes) break;
                TryDelete(entry.FullName);
                try { entry.Directory?.Delete(); } catch (IOException) { } // not empty: another version is there
                total -= entry.Length;
            }
        }
        finally { _evicting.Release(); }
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
