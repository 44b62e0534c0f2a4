using System.Collections.Concurrent;

namespace MedallionFoundry.Storage;

/// <summary>
/// Cleans the leftovers of killed runs (<see cref="TempFileNames.CleanStale"/>) from each folder the
/// module writes into, the first time it writes there: downloads into a local folder, uploads into
/// the local store. One instance per store, so a folder is scanned once per session, not per file.
/// </summary>
public sealed class StaleTempFolders
{
    readonly ConcurrentDictionary<string, byte> _visited = new(StringComparer.Ordinal);

    /// <summary>Deletes stale temporary files in <paramref name="folder"/> unless it was visited already; never throws.</summary>
    public void Visit(string folder)
    {
        if (_visited.TryAdd(folder, 0)) TempFileNames.CleanStale(folder);
    }
}
