using MedallionFoundry.Commands;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>
/// Copy-Item, Move-Item and Rename-Item between Bronze paths, on one connection or across two. As on the
/// FileSystem provider: into an existing folder the item keeps its name; otherwise the destination is the
/// new name; a folder needs -Recurse. Several files move at once (the destination backend's concurrency).
/// A move deletes each source file only after its copy is stored, so a failed move loses nothing.
/// </summary>
internal sealed class BronzeCopier(
    BronzeItems items,
    Func<string, string, bool> shouldProcess,
    Action<RemoteObject, BronzeLocation> writeItem,
    Action<Exception, string> writeError)
{
    ParallelTransfers<(BronzeLocation From, BronzeLocation To), RemoteObject>? _transfers;
    bool _move;

    /// <param name="intoFolder">The destination was written as a folder ("copies/"): the item goes inside it.</param>
    /// <param name="targetIsExact">Rename: the destination is the new path even when a folder of that name exists.</param>
    public void Copy(BronzeLocation source, BronzeLocation destination, bool recurse, bool move, bool intoFolder = false, bool targetIsExact = false)
    {
        _move = move;
        if (Same(source, destination))
        {
            writeError(new ArgumentException($"{source.Describe()} cannot be {(move ? "moved" : "copied")} onto itself."), source.Remote);
            return;
        }
        var into = !targetIsExact && (intoFolder || destination.IsRoot || items.IsFolder(destination));
        _transfers = new(items.Store(destination.Connection).Backend.DefaultConcurrency, OnCompleted);
        try
        {
            if (!source.IsRoot && items.File(source) is not null)
                Start(source, into ? destination.Child(source.Name) : destination);
            else if (items.IsFolder(source))
                CopyFolder(source, into && !source.IsRoot ? destination.Child(source.Name) : destination, recurse);
            else
                writeError(new System.Management.Automation.ItemNotFoundException($"Cannot find {source.Describe()}."), source.Remote);
        }
        finally
        {
            _transfers.Drain();
        }
    }

    void CopyFolder(BronzeLocation source, BronzeLocation target, bool recurse)
    {
        if (!recurse)
        {
            writeError(new ArgumentException($"{source.Describe()} is a folder. Use -Recurse to copy the files in it."), source.Remote);
            return;
        }
        if (Inside(target, source))
        {
            writeError(new ArgumentException($"{source.Describe()} cannot be {(_move ? "moved" : "copied")} into itself ({target.Describe()})."), source.Remote);
            return;
        }
        foreach (var (item, location) in items.List(source, recursive: true))
        {
            if (location is not { } from)
            {
                writeError(new InvalidRemotePathException($"The stored key '{item.Key}' is not a valid remote path and is not copied.", item.Key), item.Key);
                continue;
            }
            var relative = from.Remote[source.FolderPrefix.Length..];
            Start(from, target.IsRoot ? target with { Remote = relative } : target.Child(relative));
        }
    }

    void Start(BronzeLocation from, BronzeLocation to)
    {
        if (!shouldProcess($"{from.Describe()} -> {to.Describe()}", _move ? "Move file" : "Copy file")) return;
        var source = items.Store(from.Connection);
        var target = items.Store(to.Connection);
        var move = _move;
        var cancellationToken = items.CancellationToken;
        _transfers!.Add((from, to), () => CopyOneAsync(source, from.Remote, target, to.Remote, move, cancellationToken));
    }

    /// <summary>Through the store's copy (the one Copy-BronzeFile uses): server-side where the destination
    /// backend can copy from the source, streamed otherwise, checked at the destination either way. A move
    /// deletes the source only after that (unless the backend renamed it).</summary>
    static async Task<RemoteObject> CopyOneAsync(BronzeStore source, string from, BronzeStore target, string to, bool move, CancellationToken cancellationToken)
    {
        var result = await source.CopyToAsync(from, target, to, new CopyOptions { Move = move }, cancellationToken).ConfigureAwait(false);
        if (move && !result.SourceMoved) await source.DeleteAsync(from, cancellationToken).ConfigureAwait(false);
        return result.Destination;
    }

    void OnCompleted((BronzeLocation From, BronzeLocation To) file, Task<RemoteObject> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            items.Forget(file.From);
            if (BronzeLocation.Of(file.To.Connection, task.Result) is { } stored) writeItem(task.Result, stored);
            return;
        }
        var error = task.Exception?.InnerExceptions.Count == 1 ? task.Exception.InnerExceptions[0] : (Exception?)task.Exception ?? new OperationCanceledException();
        writeError(error, file.From.Remote);
    }

    static bool SameConnection(BronzeLocation a, BronzeLocation b) => string.Equals(a.Connection, b.Connection, StringComparison.OrdinalIgnoreCase);

    static bool Same(BronzeLocation a, BronzeLocation b) => SameConnection(a, b) && a.Remote == b.Remote;

    static bool Inside(BronzeLocation target, BronzeLocation folder) =>
        SameConnection(target, folder) && (folder.IsRoot || target.Remote == folder.Remote || target.Remote.StartsWith(folder.FolderPrefix, StringComparison.Ordinal));
}
