using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Deletes remote files, like Remove-Item: a missing file is not an error. Paths fed from the
/// pipeline are collected and sent to the backend in batches (one request per batch where the
/// backend supports it), not one request per file. Only the exact paths given are deleted.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BronzeFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveBronzeFileCommand : BronzeTransferCmdlet
{
    /// <summary>Remote file paths, relative to the configured prefix (pipe from Get-BronzeFileList).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Listed folders (one-level listings) carry IsPrefix; they are not deleted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public SwitchParameter IsPrefix { get; set; }

    // Batches are per connection: a pipeline may mix connections.
    readonly Dictionary<BronzeStore, List<string>> _pending = new();
    int _deleted;

    protected override void ProcessRecord()
    {
        var store = Store;
        foreach (var remotePath in Path)
        {
            if (IsPrefix)
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{remotePath}' is a folder, not a file; only files are removed. List it with -Recurse to remove its files."),
                    "RemoveBronzeFileIsFolder", ErrorCategory.InvalidArgument, remotePath));
                continue;
            }
            if (!ShouldProcess(remotePath, $"Remove from {store.BackendType} storage '{store.Name}'")) continue;

            if (!_pending.TryGetValue(store, out var batch)) _pending[store] = batch = new List<string>();
            batch.Add(remotePath);
            if (batch.Count >= store.Backend.MaxDeleteBatchSize) Flush(store, batch);
        }
    }

    protected override void EndProcessing()
    {
        foreach (var (store, batch) in _pending) Flush(store, batch);
        WriteVerbose($"Removed {_deleted} files.");
    }

    void Flush(BronzeStore store, List<string> batch)
    {
        if (batch.Count == 0) return;
        var paths = batch.ToArray();
        batch.Clear();
        IReadOnlyList<DeleteFailure> failures;
        try
        {
            failures = Await(store.DeleteManyAsync(paths, cancellationToken: CancellationToken));
        }
        catch (Exception ex) when (ex is StorageException)
        {
            WriteResilienceMessages();
            // The whole batch failed (e.g. access denied on the bucket): name each file.
            foreach (var path in paths) WriteFileError(ex, path);
            return;
        }
        WriteResilienceMessages();
        foreach (var failure in failures) WriteFileError(failure.Error, failure.Key);
        _deleted += paths.Length - failures.Count;
    }
}
