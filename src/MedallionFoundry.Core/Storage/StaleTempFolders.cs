using System.Collections.Concurrent;

namespace MedallionFoundry.Storage;

/// <summary>
/// Cleans the leftovers of killed runs (<see cref="TempFileNames.CleanStale"/>) from each folder the
/// module writes into, the first time it writes there: downloads into a local folder, uploads into
/// the local store. One instance per store, so a folder is scanned once per session, not per file.
/// </summary>
public sealed class StaleTempFolders(Func<string, int>? clean = null)
{
    readonly Func<string, int> _clean = clean ?? TempFileNames.CleanStale;
    readonly ConcurrentDictionary<string, Lazy<int>> _visited = new(StringComparer.Ordinal);

    /// <summary>Deletes stale temporary files in <paramref name="folder"/> unless it was visited already; never throws.
    /// Every caller waits until the folder's one clean is done: a copy keeps its source's modification time until
    /// it is touched, so a clean still running beside a transfer of old files would take that transfer's fresh
    /// temporary file for a leftover.</summary>
    public void Visit(string folder) =>
        _ = _visited.GetOrAdd(folder, f => new Lazy<int>(() => _clean(f))).Value;
}
