using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>
/// The provider's view of the stores, for one provider call (PowerShell makes a provider instance per
/// operation). PowerShell asks "does it exist? is it a folder?" many times for one command, so whatever a
/// listing or a stat has already shown is remembered for the rest of the call instead of asked again.
/// A folder is any prefix with at least one object under it: object stores have no empty folders.
/// </summary>
internal sealed class BronzeItems
{
    readonly Func<bool> _stopping;
    readonly CancellationTokenSource _cancellation = new();
    readonly Dictionary<string, RemoteObject?> _files = new(StringComparer.Ordinal);
    readonly Dictionary<string, bool> _folders = new(StringComparer.Ordinal);

    public BronzeItems(Func<bool> stopping) => _stopping = stopping;

    public CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>True once the pipeline is being stopped (Ctrl+C).</summary>
    public bool Stopping => _stopping();

    public static bool ConnectionExists(string name) => BronzeConnections.TryGet(name, out _);

    public BronzeStore Store(string connection) => Connection(connection).Store;

    public static BronzeConnection Connection(string name) =>
        BronzeConnections.TryGet(name, out var connection) ? connection
            : throw new ConnectionNotFoundException(name);

    /// <summary>The file at the location, or null (the root is never a file).</summary>
    public RemoteObject? File(BronzeLocation location)
    {
        if (location.IsRoot) return null;
        var key = Key(location);
        if (_files.TryGetValue(key, out var known)) return known;
        var found = Wait(Store(location.Connection).StatAsync(location.Remote, CancellationToken));
        _files[key] = found;
        return found;
    }

    /// <summary>True when at least one object sits below the location (always for the root of a connection).</summary>
    public bool IsFolder(BronzeLocation location)
    {
        if (location.IsRoot) return ConnectionExists(location.Connection);
        var key = Key(location);
        if (_folders.TryGetValue(key, out var known)) return known;
        var store = Store(location.Connection);
        var found = Wait(AnyUnder(store, location.FolderPrefix, CancellationToken));
        _folders[key] = found;
        return found;
    }

    /// <summary>True when at least one object sits below the location (the root included).</summary>
    public bool HasChildren(BronzeLocation location) =>
        location.IsRoot ? Wait(AnyUnder(Store(location.Connection), "", CancellationToken)) : IsFolder(location);

    public bool Exists(BronzeLocation location) => IsFolder(location) || File(location) is not null;

    /// <summary>The folder as an item: the same RemoteObject a one-level listing gives for it.</summary>
    public RemoteObject Folder(BronzeLocation location)
    {
        var store = Store(location.Connection);
        return new RemoteObject
        {
            Path = location.FolderPrefix,
            Key = RemotePath.ToKey(store.Prefix, location.FolderPrefix),
            IsPrefix = true,
            Backend = store.BackendType,
            Connection = store.Name,
        };
    }

    /// <summary>The folder's content, streamed page by page: one level (files and folders) or every file below it.
    /// Items whose path breaks the remote path rules (hostile keys) come back with a null location.</summary>
    public IEnumerable<(RemoteObject Item, BronzeLocation? Location)> List(BronzeLocation folder, bool recursive)
    {
        var store = Store(folder.Connection);
        // A listing left early (Select-Object -First) must not keep fetching pages.
        using var listing = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var items = store.ListAsync(folder.FolderPrefix, new ListOptions { Recursive = recursive }, listing.Token).GetAsyncEnumerator(listing.Token);
        try
        {
            while (Wait(items.MoveNextAsync().AsTask()))
            {
                var item = items.Current;
                var location = BronzeLocation.Of(folder.Connection, item);
                if (location is { } known) Remember(known, item);
                yield return (item, location);
                if (_stopping()) yield break;
            }
        }
        finally
        {
            listing.Cancel();
            try { items.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>What a listing showed, for the "exists? folder?" questions that follow it.</summary>
    void Remember(BronzeLocation location, RemoteObject item)
    {
        if (item.IsPrefix) _folders[Key(location)] = true;
        else _files[Key(location)] = item;
        if (!location.Parent.IsRoot) _folders[Key(location.Parent)] = true;
    }

    public void Forget(BronzeLocation location)
    {
        _files.Remove(Key(location));
        _folders.Remove(Key(location));
    }

    /// <summary>Waits for an engine call on the pipeline thread, giving up when the pipeline stops (Ctrl+C).</summary>
    public T Wait<T>(Task<T> task)
    {
        WaitUntilDone(task);
        return task.GetAwaiter().GetResult();
    }

    public void Wait(Task task)
    {
        WaitUntilDone(task);
        task.GetAwaiter().GetResult();
    }

    void WaitUntilDone(Task task)
    {
        while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(200))
        {
            if (!_stopping()) continue;
            _cancellation.Cancel();
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            return;
        }
    }

    /// <summary>One request for at most one key: enough to know a folder is there, and not fooled by
    /// servers whose one-level (delimiter) listings miss deep folders.</summary>
    static async Task<bool> AnyUnder(BronzeStore store, string prefix, CancellationToken cancellationToken)
    {
        var keyPrefix = RemotePath.ToKey(store.Prefix, prefix);
        var page = await store.Runner.RunAsync("list", prefix,
            ct => store.Backend.ListPageAsync(keyPrefix, new ListOptions { Recursive = true, PageSize = 1 }, null, ct), cancellationToken).ConfigureAwait(false);
        return page.Objects.Any(o => o.Key.StartsWith(keyPrefix, StringComparison.Ordinal));
    }

    static string Key(BronzeLocation location) => location.Connection.ToLowerInvariant() + "/" + location.Remote;
}

/// <summary>A drive or path names a connection that is not (or no longer) open.</summary>
internal sealed class ConnectionNotFoundException(string name)
    : InvalidOperationException($"There is no connection named '{name}'. Connections: {string.Join(", ", BronzeConnections.Names.DefaultIfEmpty("(none)"))}. Run Connect-BronzeStorage -Name {name} first.")
{
    public string Name { get; } = name;
}
