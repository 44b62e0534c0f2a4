using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>
/// Remove-Item -Recurse on a folder: the folder's files are listed (the prefix keeps its trailing '/', so
/// removing "dt=2025-01-1" never touches "dt=2025-01-10/") and deleted in the backend's batches while the
/// listing streams on. Failures are reported per file; the rest go on.
/// </summary>
internal sealed class BronzeRemover(BronzeItems items, Action<Exception, string> writeError)
{
    public int RemoveFolder(BronzeLocation folder)
    {
        var store = items.Store(folder.Connection);
        var batchSize = Math.Max(1, store.Backend.MaxDeleteBatchSize);
        var batch = new List<string>(batchSize);
        var removed = 0;
        foreach (var (item, location) in items.List(folder, recursive: true))
        {
            if (location is null)
            {
                writeError(new InvalidRemotePathException($"The stored key '{item.Key}' is not a valid remote path and is left in place.", item.Key), item.Key);
                continue;
            }
            batch.Add(item.Path);
            if (batch.Count >= batchSize) removed += Flush(store, batch);
        }
        removed += Flush(store, batch);
        items.Forget(folder);
        return removed;
    }

    int Flush(BronzeStore store, List<string> batch)
    {
        if (batch.Count == 0) return 0;
        var paths = batch.ToArray();
        batch.Clear();
        try
        {
            var failures = items.Wait(store.DeleteManyAsync(paths, cancellationToken: items.CancellationToken));
            foreach (var failure in failures) writeError(failure.Error, failure.Key);
            return paths.Length - failures.Count;
        }
        catch (StorageException ex)
        {
            foreach (var path in paths) writeError(ex, path); // the whole batch failed: name each file
            return 0;
        }
    }
}
