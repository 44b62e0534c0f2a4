using MedallionFoundry.Storage;
using Renci.SshNet;

namespace MedallionFoundry.Backends.Sftp;

/// <summary>
/// Where one listing has got to: a depth-first walk over folders, each read whole (SFTP readdir
/// returns names in no order, and pages must come in key order) and kept only while the walk is
/// inside it. Between pages the backend keeps the cursor under the page's token, so the next page
/// continues without reading anything again; a token whose cursor is gone resumes from the last
/// key it names. Memory is the folders on the current path, not the whole tree.
/// </summary>
internal sealed class SftpListCursor
{
    /// <summary>A file (with its description) or a folder (Key ends in '/', no object).</summary>
    internal sealed record Entry(string Key, RemoteObject? Object);

    sealed class Frame(Entry[] entries)
    {
        public Entry[] Entries { get; } = entries;
        public int Next { get; set; }
        public bool Done => Next >= Entries.Length;
    }

    readonly SftpBackend _backend;
    readonly bool _recursive;
    readonly Stack<Frame> _frames = new();
    readonly string _id = Guid.NewGuid().ToString("N");

    SftpListCursor(SftpBackend backend, bool recursive)
    {
        _backend = backend;
        _recursive = recursive;
    }

    /// <summary>The last key a token names ("id:key"), or null for a first page.</summary>
    public static string? LastKeyOf(string? token) => token is null ? null : token[(token.IndexOf(':') + 1)..];

    public static async Task<SftpListCursor> OpenAsync(SftpBackend backend, SftpClient client, string keyPrefix, bool recursive, string? resumeAfter, CancellationToken cancellationToken)
    {
        var cursor = new SftpListCursor(backend, recursive);
        var slash = keyPrefix.LastIndexOf('/');
        var folderKey = slash < 0 ? "" : keyPrefix[..slash];
        if (!await backend.IsFolderAsync(client, folderKey, cancellationToken).ConfigureAwait(false)) return cursor;

        var entries = await backend.ReadFolderAsync(client, folderKey, cancellationToken).ConfigureAwait(false);
        cursor._frames.Push(new Frame(entries.Where(e => e.Key.StartsWith(keyPrefix, StringComparison.Ordinal)).ToArray()));
        if (resumeAfter is not null) await cursor.SkipThroughAsync(client, resumeAfter, cancellationToken).ConfigureAwait(false);
        return cursor;
    }

    /// <summary>Moves past every key up to and including <paramref name="lastKey"/>, descending into the folder that holds it.</summary>
    async Task SkipThroughAsync(SftpClient client, string lastKey, CancellationToken cancellationToken)
    {
        var frame = _frames.Peek();
        while (!frame.Done && string.CompareOrdinal(frame.Entries[frame.Next].Key, lastKey) <= 0)
        {
            var entry = frame.Entries[frame.Next++];
            if (_recursive && entry.Object is null && lastKey.Length > entry.Key.Length && lastKey.StartsWith(entry.Key, StringComparison.Ordinal))
            {
                _frames.Push(new Frame(await _backend.ReadFolderAsync(client, entry.Key.TrimEnd('/'), cancellationToken).ConfigureAwait(false)));
                await SkipThroughAsync(client, lastKey, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    public async Task<ListPage> NextPageAsync(SftpClient client, int pageSize, CancellationToken cancellationToken)
    {
        var objects = new List<RemoteObject>();
        var prefixes = new List<string>();
        string? last = null;
        while (objects.Count + prefixes.Count < pageSize && _frames.TryPeek(out var frame))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (frame.Done) { _frames.Pop(); continue; }
            var entry = frame.Entries[frame.Next++];
            if (entry.Object is { } item) objects.Add(item);
            else if (_recursive)
            {
                _frames.Push(new Frame(await _backend.ReadFolderAsync(client, entry.Key.TrimEnd('/'), cancellationToken).ConfigureAwait(false)));
                continue;
            }
            else prefixes.Add(entry.Key);
            last = entry.Key;
        }
        while (_frames.TryPeek(out var top) && top.Done) _frames.Pop();
        return new ListPage(objects, prefixes, _frames.Count > 0 && last is not null ? $"{_id}:{last}" : null);
    }
}
