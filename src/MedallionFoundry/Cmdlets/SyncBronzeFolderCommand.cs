using System.Diagnostics;
using System.Management.Automation;
using MedallionFoundry.Storage;
using MedallionFoundry.Sync;

namespace MedallionFoundry.Commands;

/// <summary>
/// Makes the destination folder hold the source folder's files: new and changed files are
/// transferred (in parallel, with the usual retries and integrity checks), equal ones skipped,
/// decided by <see cref="FolderComparer"/>. With -Delete, destination files the source lacks are
/// removed, only under the given folders and only after every transfer succeeded.
/// </summary>
[Cmdlet(VerbsData.Sync, "BronzeFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncSummary), typeof(SyncAction))]
public sealed class SyncBronzeFolderCommand : BronzeFolderCmdlet
{
    /// <summary>Upload (default): local to remote. Download: remote to local.</summary>
    [Parameter]
    [ValidateSet("Upload", "Download")]
    public string Direction { get; set; } = "Upload";

    /// <summary>Delete destination files the source lacks (within the filters and the shard).</summary>
    [Parameter]
    public SwitchParameter Delete { get; set; }

    /// <summary>With -Delete: delete nothing when more than this many files would go.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxDelete { get; set; } = -1;

    /// <summary>Only source files at least this old.</summary>
    [Parameter]
    public TimeSpan? MinAge { get; set; }

    /// <summary>Only source files at most this old.</summary>
    [Parameter]
    public TimeSpan? MaxAge { get; set; }

    /// <summary>"i/n": only the paths of shard i of n (see about_MedallionFoundry: sharding).</summary>
    [Parameter]
    [ValidateShard]
    public string? Shard { get; set; }

    /// <summary>Output one object per file (what was done and why) instead of the summary.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How many files transfer at once (default: the backend's own).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    SyncDirection Way => ParseEnum<SyncDirection>(Direction);

    protected override string TransferOperation => "Sync";

    /// <summary>The shared summary line; under TF_BUILD a run with any failed file fails the step.</summary>
    protected override void EndProcessing() => CompleteTransfer();

    protected override void ProcessRecord()
    {
        var clock = Stopwatch.StartNew();
        var shard = ValidateShardAttribute.Parse(Shard);
        var localRoot = ResolvedLocalPath;
        if (File.Exists(localRoot) || (Way == SyncDirection.Upload && !Directory.Exists(localRoot)))
        {
            WriteError(new ErrorRecord(new DirectoryNotFoundException($"The local folder '{localRoot}' does not exist or is a file."),
                "SyncBronzeFolderLocalFolderNotFound", ErrorCategory.ObjectNotFound, localRoot));
            return;
        }

        RemoteFolder remote;
        try { remote = new RemoteFolder(Store, RemotePath); }
        catch (InvalidRemotePathException ex) { WriteFileError(ex, RemotePath); return; }

        var summary = new SyncSummary { LocalPath = localRoot, RemotePath = remote.Prefix, Direction = Way, Shard = shard?.ToString() };
        var hasher = new LocalHasher(HashCache.ForRoot(localRoot));
        IReadOnlyList<FolderComparison> compared = [];
        try
        {
            var age = MinAge is null && MaxAge is null ? null : new AgeFilter(MinAge, MaxAge, DateTimeOffset.UtcNow);
            compared = CompareFolders(remote, localRoot, Way, FilterFor(shard, remote), age, hasher, forUpload: Way == SyncDirection.Upload);
        }
        catch (Exception ex) when (Unwrap(ex) is StorageException or IOException or UnauthorizedAccessException)
        {
            hasher.Cache?.Save();
            ThrowCompareFailure(ex);
            return;
        }
        hasher.Cache?.Save();

        var plan = compared.Select(c => SyncAction.For(c, Way, Delete)).Where(a => a is not null).Select(a => a!).ToList();
        foreach (var failed in plan.Where(a => a.Reason == SyncReason.Error))
        {
            WriteError(CompareError(failed.Comparison));
            summary.Failed++;
        }
        summary.Skipped = plan.Count(a => a.Reason == SyncReason.Equal);
        Summary.AddSkipped(summary.Skipped);

        var transfers = plan.Where(a => a.Action is SyncActionKind.Upload or SyncActionKind.Download).ToList();
        var deletes = plan.Where(a => a.Action == SyncActionKind.Delete).ToList();
        // The total first; under -WhatIf each file's line follows from the per-file ShouldProcess calls, which change nothing.
        var total = $"Sync: {transfers.Count} to {(Way == SyncDirection.Upload ? "upload" : "download")} ({SizeFormatter.Format(transfers.Sum(a => a.Size))}), {deletes.Count} to delete, {summary.Skipped} equal";
        var pair = $"{localRoot} {(Way == SyncDirection.Upload ? "->" : "<-")} {remote.Prefix}";
        var whatIf = false;
        if (!ShouldProcess($"Performing the operation \"{total}\" on target \"{pair}\".", total, "Sync-BronzeFolder", out var reason))
        {
            if (reason != ShouldProcessReason.WhatIf) return;
            whatIf = true;
        }

        var done = RunTransfers(transfers, remote, localRoot, summary);
        var removed = RunDeletes(deletes, remote, localRoot, summary);
        if (PassThru)
        {
            foreach (var action in plan)
                WriteObject(whatIf ? action
                    : action.Action == SyncActionKind.Skip ? action with { Result = action.Reason == SyncReason.Error ? "Failed" : "Done" }
                    : done.TryGetValue(action.Path, out var result) || removed.TryGetValue(action.Path, out result) ? action with { Result = result } : action);
        }
        summary.Duration = clock.Elapsed;
        if (!PassThru && !whatIf) WriteObject(summary);
    }

    /// <summary>Runs the uploads or downloads; returns each path's result ("Done", "Failed", or "Planned" when -Confirm said no).</summary>
    Dictionary<string, string> RunTransfers(List<SyncAction> transfers, RemoteFolder remote, string localRoot, SyncSummary summary)
    {
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        var store = remote.Store;
        var progress = new TransferProgress(this, "Sync-BronzeFolder", Way == SyncDirection.Upload ? "Uploading" : "Downloading", Summary);
        var queue = new ParallelTransfers<SyncAction, RemoteObject>(ThrottleLimit > 0 ? ThrottleLimit : store.Backend.DefaultConcurrency,
            (action, task) =>
            {
                WriteResilienceMessages();
                if (task.IsCompletedSuccessfully)
                {
                    Summary.AddSucceeded(action.Size); // what the progress bar counts as done
                    results[action.Path] = "Done";
                    if (Way == SyncDirection.Upload) summary.Uploaded++; else summary.Downloaded++;
                    summary.Bytes += action.Size;
                    WriteVerbose($"{(Way == SyncDirection.Upload ? "Uploaded" : "Downloaded")} {action.Path} ({action.Reason}).");
                    return;
                }
                results[action.Path] = "Failed";
                summary.Failed++;
                // A connection failure cancels the rest and ends the run with one terminating error (after the drain).
                ReportFailure(task.Exception!, Way == SyncDirection.Upload ? action.Comparison.Local!.FullPath : action.Comparison.Remote!.Path);
            },
            () => { progress.Write(); WriteResilienceMessages(); });

        var started = 0;
        foreach (var action in transfers)
        {
            if (CancellationToken.IsCancellationRequested || ConnectionFailed) break;
            started++;
            var target = Way == SyncDirection.Upload ? remote.PathOf(action.Path) : action.Path;
            if (!ShouldProcess(target, $"{action.Action} ({action.Reason})")) continue;
            progress.Started(action.Size);
            if (Way == SyncDirection.Upload)
            {
                var source = action.Comparison.Local!.FullPath;
                queue.Add(action, () => store.UploadFileAsync(source, target, new UploadOptions { Progress = progress.Bytes }, CancellationToken));
            }
            else
            {
                string local;
                try { local = LocalDestination.Resolve(localRoot, action.Path); }
                catch (InvalidRemotePathException ex)
                {
                    results[action.Path] = "Failed";
                    summary.Failed++;
                    WriteFileError(ex, action.Comparison.Remote!.Path);
                    continue;
                }
                var remotePath = action.Comparison.Remote!.Path;
                queue.Add(action, () => store.DownloadFileAsync(remotePath, local, overwrite: true, new TransferOptions { Progress = progress.Bytes }, CancellationToken));
            }
        }
        progress.InputComplete();
        queue.Drain();
        progress.Complete();
        ThrowIfConnectionFailed(transfers.Count - started);
        if (CancellationToken.IsCancellationRequested) throw new PipelineStoppedException();
        return results;
    }

    /// <summary>Deletes the extraneous destination files, only when nothing failed and -MaxDelete allows it.</summary>
    Dictionary<string, string> RunDeletes(List<SyncAction> deletes, RemoteFolder remote, string localRoot, SyncSummary summary)
    {
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        if (deletes.Count == 0) return results;
        void HoldBack() { foreach (var d in deletes) results[d.Path] = "NotRun"; }
        if (summary.Failed > 0)
        {
            WriteWarning($"{deletes.Count} extraneous files were not deleted because {summary.Failed} files failed: deletes run only after every transfer succeeded.");
            HoldBack();
            return results;
        }
        if (MaxDelete >= 0 && deletes.Count > MaxDelete)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(
                    $"{deletes.Count} files would be deleted, more than -MaxDelete {MaxDelete}: nothing was deleted. Check the folders, or raise -MaxDelete."),
                "SyncBronzeFolderMaxDeleteExceeded", ErrorCategory.LimitsExceeded, deletes.Count));
            HoldBack();
            return results;
        }

        var confirmed = deletes.Where(d => ShouldProcess(Way == SyncDirection.Upload ? remote.PathOf(d.Path) : d.Path, "Delete (Extraneous)")).ToList();
        if (Way == SyncDirection.Upload)
        {
            var failures = Await(remote.Store.DeleteManyAsync(confirmed.Select(d => d.Comparison.Remote!.Path), cancellationToken: CancellationToken));
            WriteResilienceMessages();
            var failed = failures.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var failure in failures) WriteFileError(failure.Error, failure.Key);
            foreach (var d in confirmed)
            {
                var ok = !failed.Contains(d.Comparison.Remote!.Path);
                results[d.Path] = ok ? "Done" : "Failed";
                if (ok) { summary.Deleted++; Summary.AddSucceeded(); } else summary.Failed++;
            }
        }
        else
        {
            foreach (var d in confirmed)
            {
                try
                {
                    File.Delete(LocalDestination.Resolve(localRoot, d.Path));
                    results[d.Path] = "Done";
                    summary.Deleted++;
                    Summary.AddSucceeded();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidRemotePathException)
                {
                    results[d.Path] = "Failed";
                    summary.Failed++;
                    WriteFileError(ex, d.Comparison.Local!.FullPath);
                }
            }
        }
        WriteVerbose($"Deleted {summary.Deleted} extraneous files.");
        return results;
    }
}
