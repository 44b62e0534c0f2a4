using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Deletes remote files, like Remove-Item: a missing file is not an error. Paths fed from the
/// pipeline are collected and sent to the backend in batches (one request per batch where the
/// backend supports it), not one request per file. Only the exact paths given are deleted, except
/// with -Prefix -Recurse, which deletes every file under that folder and nothing outside it.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BronzeFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(void))]
public sealed class RemoveBronzeFileCommand : BronzeTransferCmdlet
{
    const string PathSet = "Path";
    const string PrefixSet = "Prefix";

    /// <summary>Remote file paths, relative to the configured prefix (pipe from Get-BronzeFileList).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>A remote folder: with -Recurse, every file under it is deleted (and nothing outside it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PrefixSet)]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    [ValidateNotNullOrEmpty]
    public string Prefix { get; set; } = "";

    /// <summary>Required with -Prefix: confirms that every file under the folder goes.</summary>
    [Parameter(ParameterSetName = PrefixSet)]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Listed folders (one-level listings) carry IsPrefix; they are not deleted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = PathSet)]
    public SwitchParameter IsPrefix { get; set; }

    /// <summary>The listed size (bound from Get-BronzeFileList output), for the summary and -WhatIf total.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = PathSet)]
    public long? Size { get; set; }

    // Batches are per connection: a pipeline may mix connections.
    readonly Dictionary<BronzeStore, List<(string Path, long? Size)>> _pending = new();

    protected override string TransferOperation => "Delete";

    protected override void ProcessRecord()
    {
        var store = Store;
        if (ParameterSetName == PrefixSet)
        {
            RemovePrefix(store);
            return;
        }
        foreach (var remotePath in Path)
        {
            if (IsPrefix)
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{remotePath}' is a folder, not a file; only files are removed. Use Remove-BronzeFile -Prefix '{remotePath}' -Recurse to remove everything under it."),
                    "RemoveBronzeFileIsFolder", ErrorCategory.InvalidArgument, remotePath));
                continue;
            }
            if (!ShouldTransfer(remotePath, $"Remove from {store.BackendType} storage '{store.Name}'", Size)) continue;

            if (!_pending.TryGetValue(store, out var batch)) _pending[store] = batch = new();
            batch.Add((remotePath, Size));
            if (batch.Count >= store.Backend.MaxDeleteBatchSize) Flush(store, batch);
        }
    }

    protected override void EndProcessing()
    {
        foreach (var (store, batch) in _pending) Flush(store, batch);
        CompleteTransfer();
    }

    /// <summary>Lists the folder first (for the count and size the confirmation shows, and so deleting
    /// does not change a listing still being read), then deletes in batches.</summary>
    void RemovePrefix(BronzeStore store)
    {
        string folder;
        try
        {
            folder = RemotePath.NormalizePrefix(Prefix);
            if (folder.Length == 0) throw new InvalidRemotePathException("-Prefix must name a folder; it cannot be the whole store.", Prefix);
            if (!folder.EndsWith('/')) folder += "/"; // a folder: 'dt=1' never reaches 'dt=10/'
        }
        catch (InvalidRemotePathException ex)
        {
            ThrowTerminatingError(ErrorFor(ex, Prefix));
            return;
        }
        if (!Recurse)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Prefix '{folder}' removes every file under it: add -Recurse to confirm that."),
                "RemoveBronzeFilePrefixNeedsRecurse", ErrorCategory.InvalidArgument, folder));
            return;
        }

        var files = new List<(string Path, long? Size)>();
        try
        {
            var items = store.ListAsync(folder, new ListOptions { Recursive = true }, CancellationToken).GetAsyncEnumerator(CancellationToken);
            try
            {
                while (Await(items.MoveNextAsync().AsTask()))
                    if (!items.Current.IsPrefix && items.Current.Path.StartsWith(folder, StringComparison.Ordinal))
                        files.Add((items.Current.Path, items.Current.Size));
            }
            finally { Await(items.DisposeAsync().AsTask()); }
        }
        catch (StorageException ex)
        {
            WriteResilienceMessages();
            ReportFailure(ex, folder);
            ThrowIfConnectionFailed();
            return;
        }
        WriteResilienceMessages();

        var total = $"{files.Count} files ({SizeFormatter.Format(files.Sum(f => f.Size ?? 0))}) under '{folder}'";
        if (!ShouldProcess(total, $"Remove from {store.BackendType} storage '{store.Name}'"))
        {
            // -WhatIf names each file after the total; a declined confirmation skips them all.
            foreach (var file in files) ShouldTransfer(file.Path, "Remove", file.Size);
            return;
        }
        var batch = new List<(string Path, long? Size)>();
        for (var i = 0; i < files.Count; i++)
        {
            batch.Add(files[i]);
            if (batch.Count >= store.Backend.MaxDeleteBatchSize || i == files.Count - 1) Flush(store, batch, files.Count - i - 1);
        }
    }

    void Flush(BronzeStore store, List<(string Path, long? Size)> batch, int notYetSent = 0)
    {
        if (batch.Count == 0) return;
        var files = batch.ToArray();
        batch.Clear();
        IReadOnlyList<DeleteFailure> failures;
        try
        {
            failures = Await(store.DeleteManyAsync(files.Select(f => f.Path), cancellationToken: CancellationToken));
        }
        catch (Exception ex) when (ex is StorageException)
        {
            WriteResilienceMessages();
            // The whole batch failed: a bad connection stops here; otherwise each file is named.
            foreach (var file in files) ReportFailure(ex, file.Path);
            ThrowIfConnectionFailed(notYetSent + _pending.Values.Sum(b => b.Count));
            return;
        }
        WriteResilienceMessages();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var failure in failures)
        {
            failed.Add(failure.Key);
            ReportFailure(failure.Error, failure.Key);
        }
        foreach (var file in files.Where(f => !failed.Contains(f.Path))) Summary.AddSucceeded(file.Size ?? 0);
        ThrowIfConnectionFailed(notYetSent + _pending.Values.Sum(b => b.Count));
    }
}
