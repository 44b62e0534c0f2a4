using System.Collections.Concurrent;
using MedallionFoundry.Storage;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// A script's List operation returns everything under a prefix at once; this turns that into the
/// contract's key-ordered pages. The sorted result is kept between pages (continuation token
/// "&lt;snapshot id&gt;|&lt;last key&gt;"), so a listing runs the script once, not once per page; if the
/// snapshot has expired the script is run again and the listing resumes after the last key.
/// </summary>
internal sealed class ScriptListing
{
    static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(30);
    readonly ConcurrentDictionary<string, (IReadOnlyList<Entry> Entries, DateTime Created)> _snapshots = new(StringComparer.Ordinal);

    /// <summary>One listed key: an object, or (Object null) a common prefix ending in '/'.</summary>
    public sealed record Entry(string Key, RemoteObject? Object);

    /// <summary>Folds what the script returned into sorted entries: keys outside the prefix are dropped;
    /// one level deep, deeper keys become common prefixes.</summary>
    public static IReadOnlyList<Entry> Fold(IEnumerable<RemoteObject> objects, string keyPrefix, bool recursive)
    {
        var entries = new SortedDictionary<string, RemoteObject?>(StringComparer.Ordinal);
        foreach (var item in objects)
        {
            if (!item.Key.StartsWith(keyPrefix, StringComparison.Ordinal)) continue;
            var rest = item.Key[keyPrefix.Length..];
            var slash = rest.IndexOf('/');
            if (!recursive && slash >= 0)
                entries.TryAdd(keyPrefix + rest[..(slash + 1)], null);
            else if (!item.Key.EndsWith('/'))
                entries[item.Key] = item; // a folder marker ("x/") is not an object
        }
        return entries.Select(e => new Entry(e.Key, e.Value)).ToList();
    }

    /// <summary>The entries a continuation token refers to, if they are still kept, and the key to resume after.</summary>
    public (IReadOnlyList<Entry>? Entries, string? SnapshotId, string? After) Resume(string? token)
    {
        if (token is null) return (null, null, null);
        var bar = token.IndexOf('|');
        if (bar < 0) return (null, null, token);
        var id = token[..bar];
        var after = token[(bar + 1)..];
        return _snapshots.TryGetValue(id, out var kept) ? (kept.Entries, id, after) : (null, null, after);
    }

    /// <summary>One page after <paramref name="after"/>; keeps the entries for the next page while there is one.</summary>
    public ListPage Page(IReadOnlyList<Entry> entries, string? snapshotId, string? after, int pageSize)
    {
        var start = 0;
        if (after is not null)
            while (start < entries.Count && string.CompareOrdinal(entries[start].Key, after) <= 0) start++;
        var page = entries.Skip(start).Take(Math.Max(1, pageSize)).ToList();
        var more = start + page.Count < entries.Count;

        string? next = null;
        if (more)
        {
            snapshotId ??= Save(entries);
            next = $"{snapshotId}|{page[^1].Key}";
        }
        else if (snapshotId is not null)
        {
            _snapshots.TryRemove(snapshotId, out _);
        }
        return new ListPage(
            page.Where(e => e.Object is not null).Select(e => e.Object!).ToList(),
            page.Where(e => e.Object is null).Select(e => e.Key).ToList(),
            next);
    }

    string Save(IReadOnlyList<Entry> entries)
    {
        var now = DateTime.UtcNow;
        foreach (var (id, kept) in _snapshots)
            if (now - kept.Created > KeepFor) _snapshots.TryRemove(id, out _);
        var snapshotId = Guid.NewGuid().ToString("N");
        _snapshots[snapshotId] = (entries, now);
        return snapshotId;
    }
}
