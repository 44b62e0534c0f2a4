using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Downloads remote files. Into a folder (an existing one, one ending in a separator, or whenever
/// files come from the pipeline) each file keeps its remote path under it; otherwise -Destination
/// is the local file name of the one file given. Each file is written to a temporary name and renamed into place when complete.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BronzeFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class GetBronzeFileCommand : BronzeTransferCmdlet
{
    /// <summary>Remote file paths, relative to the configured prefix (pipe from Get-BronzeFileList).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Local folder (default: the current location) or, for one file, the local file path.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Replace local files that already exist.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Start over instead of continuing an interrupted download of the same file (docs/resume.md).</summary>
    [Parameter]
    public SwitchParameter NoResume { get; set; }

    /// <summary>How many files download at once (default: the backend's own).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    /// <summary>"i/n": only the files whose remote path falls in shard i of n (see about_MedallionFoundry).</summary>
    [Parameter]
    [ValidateShard]
    public string? Shard { get; set; }

    Sync.Shard? ShardFilter => _shard ??= ValidateShardAttribute.Parse(Shard);
    Sync.Shard? _shard;

    /// <summary>Listed folders (one-level listings) carry IsPrefix; they are not files.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public SwitchParameter IsPrefix { get; set; }

    /// <summary>The listed size (bound from Get-BronzeFileList output): progress and -WhatIf totals use it.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public long? Size { get; set; }

    ParallelTransfers<(string Remote, string Local), RemoteObject>? _transfers;
    TransferProgress? _progress;

    protected override string TransferOperation => "Download";

    readonly DestinationClaims _claims = DestinationClaims.ForDownload();

    protected override void ProcessRecord()
    {
        var store = Store;
        _progress ??= new TransferProgress(this, "Get-BronzeFile", "Downloading", Summary);
        if (!MyInvocation.ExpectingInput) foreach (var _ in Path) _progress.Started(null);
        _transfers ??= new ParallelTransfers<(string Remote, string Local), RemoteObject>(
            ThrottleLimit > 0 ? ThrottleLimit : store.Backend.DefaultConcurrency, OnCompleted, () => { _progress.Write(); WriteResilienceMessages(); });

        foreach (var remotePath in Path)
        {
            _transfers.WaitForSlot();
            if (ConnectionFailed) break;
            if (IsPrefix)
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{remotePath}' is a folder, not a file. List it with -Recurse to download its files."),
                    "GetBronzeFileIsFolder", ErrorCategory.InvalidArgument, remotePath));
                continue;
            }

            string localPath;
            try { localPath = LocalPathFor(remotePath); }
            catch (Exception ex) when (ex is InvalidRemotePathException or ArgumentException)
            {
                WriteFileError(ex, remotePath);
                continue;
            }
            if (ShardFilter is { } shard && !shard.Contains(RemotePath.NormalizeFile(remotePath))) continue;
            // Two remote paths never write one local file: the first wins, a later one is an error naming both.
            var claim = _claims.Claim(localPath, remotePath, out var firstRemote);
            if (claim == ClaimResult.SameSource) continue;
            if (claim == ClaimResult.Collision)
            {
                WriteError(new ErrorRecord(new DestinationCollisionException(localPath, firstRemote, remotePath),
                    "GetBronzeFileDestinationCollision", ErrorCategory.WriteError, remotePath));
                continue;
            }

            if (!ShouldTransfer($"{remotePath} -> {localPath}", "Download", Size)) continue;
            if (MyInvocation.ExpectingInput) _progress.Started(Size);
            _transfers.Add((remotePath, localPath), () => store.DownloadFileAsync(remotePath, localPath, Force, new TransferOptions { Progress = _progress.Bytes, NoResume = NoResume, ExpectedSize = Size }, CancellationToken));
            _progress.Write();
        }
        if (ConnectionFailed)
        {
            _transfers.Drain();
            _progress.Complete();
            ThrowIfConnectionFailed(MyInvocation.ExpectingInput ? 0 : Path.Length - Summary.Completed - Summary.Skipped);
        }
    }

    protected override void EndProcessing()
    {
        _progress?.InputComplete();
        _transfers?.Drain();
        _progress?.Complete();
        CompleteTransfer();
    }

    void OnCompleted((string Remote, string Local) file, Task<RemoteObject> task)
    {
        WriteResilienceMessages();
        if (task.IsCompletedSuccessfully)
        {
            Summary.AddSucceeded(task.Result.Size);
            WriteObject(ItemFor(file.Local));
        }
        else ReportFailure(task.Exception!, file.Remote);
        _progress?.Write();
    }

    DownloadedItems? _items;

    /// <summary>The downloaded file as Get-Item shows it (see <see cref="DownloadedItems"/>), or a bare FileInfo without a provider.</summary>
    object ItemFor(string localPath) => (_items ??= new DownloadedItems(this)).ItemFor(localPath);

    /// <summary>Where one remote file goes. -Destination is a folder when it exists as one, ends in a
    /// separator, or files come from the pipeline or several paths; otherwise it names the one file.</summary>
    string LocalPathFor(string remotePath)
    {
        var normalized = RemotePath.NormalizeFile(remotePath);
        // The current location's PowerShell path resolves to its provider path (cached below, as -Destination).
        var destination = Destination ?? SessionState.Path.CurrentFileSystemLocation.Path;
        var resolved = ResolvedDestination(destination);
        var namesOneFile = Destination is not null && !MyInvocation.ExpectingInput && Path.Length == 1
            && !Directory.Exists(resolved) && !destination.EndsWith('/') && !destination.EndsWith(System.IO.Path.DirectorySeparatorChar);
        return namesOneFile ? resolved : LocalDestination.Resolve(resolved, normalized, _realDestination ??= LocalLinks.RealPath(System.IO.Path.GetFullPath(resolved)));
    }

    (string Input, string Resolved)? _destination;
    string? _realDestination;

    /// <summary>The destination as a provider path and its real path (links followed), resolved once per invocation:
    /// each provider resolution asks for its drive, which on Linux reads the mount table, and each real path walks
    /// every folder from '/'. Per piped file that was ~20% of the pipeline thread. The link check of each file's own
    /// folders below the destination still runs per file (LocalDestination.Resolve).</summary>
    string ResolvedDestination(string destination)
    {
        if (_destination is { } known && known.Input == destination) return known.Resolved;
        var resolved = GetUnresolvedProviderPathFromPSPath(destination);
        _destination = (destination, resolved);
        _realDestination = null;
        return resolved;
    }
}
