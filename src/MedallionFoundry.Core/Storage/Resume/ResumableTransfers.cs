namespace MedallionFoundry.Storage.Resume;

/// <summary>One interrupted transfer that the same command would continue (what Get-BronzeTransfer shows).</summary>
public sealed class ResumableTransfer
{
    internal ResumableTransfer(TransferState state, DateTime nowUtc)
    {
        State = state;
        Direction = state.Kind == TransferState.Upload ? "Upload" : "Download";
        Size = state.Size;
        BytesDone = state.Kind == TransferState.Upload
            ? state.Parts.Values.Sum(p => p.Length)
            : state.TempPath is { } temp && File.Exists(temp) ? new FileInfo(temp).Length : 0;
        Age = nowUtc - state.UpdatedUtc;
    }

    internal TransferState State { get; }

    /// <summary>"Upload" or "Download".</summary>
    public string Direction { get; }

    public string Backend => State.Backend;

    /// <summary>The connection target (as Get-BronzeStorage shows it).</summary>
    public string Location => State.Location;

    /// <summary>The full object key.</summary>
    public string Key => State.Key;

    public string LocalPath => State.LocalPath;

    public long BytesDone { get; }

    public long Size { get; }

    /// <summary>Time since the transfer last made progress; states older than <see cref="TransferStates.MaxAge"/> are cleared automatically.</summary>
    public TimeSpan Age { get; }

    public DateTime LastProgress => State.UpdatedUtc.ToLocalTime();

    /// <summary>The state file.</summary>
    public string StatePath => State.FilePath ?? "";
}

/// <summary>Listing and clearing interrupted transfers: one rule for Clear-BronzeTransfer and the automatic clearing of stale states.</summary>
public static class ResumableTransfers
{
    public static IReadOnlyList<ResumableTransfer> List()
    {
        var now = DateTime.UtcNow;
        return TransferStates.All().Select(s => new ResumableTransfer(s, now)).ToList();
    }

    /// <summary>Drops one interrupted transfer: a download's temporary file, an upload's parts on the store
    /// (through <paramref name="backend"/>, which must be of the transfer's connection target), then its state.
    /// False when the store cannot drop the parts itself (they are then left to its own clean-up).</summary>
    public static async Task<bool> ClearAsync(ResumableTransfer transfer, StorageBackend? backend, CancellationToken cancellationToken)
    {
        var state = transfer.State;
        if (state.Kind == TransferState.Download)
        {
            ResumableDownload.Discard(state);
            return true;
        }
        if (backend is null) throw new InvalidOperationException($"Clearing the upload of '{state.Key}' needs a connection to {state.Location}.");
        var dropped = state.UploadId is null || await backend.DiscardUploadAsync(state.Key, state.UploadId, cancellationToken).ConfigureAwait(false);
        TransferStates.Delete(state);
        return dropped;
    }

    /// <summary>Whether <paramref name="backend"/> is the connection target of <paramref name="transfer"/>.</summary>
    public static bool IsTargetOf(ResumableTransfer transfer, StorageBackend backend) =>
        transfer.Backend == backend.BackendType && transfer.Location == backend.Location;

    /// <summary>Clears the states of this backend's target older than <see cref="TransferStates.MaxAge"/>.
    /// Best effort (never throws): it runs before the first transfer of each connection.</summary>
    public static async Task ClearStaleAsync(StorageBackend backend)
    {
        try
        {
            foreach (var transfer in List().Where(t => t.Age > TransferStates.MaxAge && IsTargetOf(t, backend)))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await ClearAsync(transfer, backend, timeout.Token).ConfigureAwait(false); }
                catch (Exception ex) when (ex is StorageException or OperationCanceledException or IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
