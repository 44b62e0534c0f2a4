using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// What Copy-BronzeFile and Move-BronzeFile share. -Destination is a remote folder (files keep their
/// names; with -Recurse a prefix's files keep their paths below it) unless it does not end in '/' and
/// exactly one file is given directly, when it is that file's new path. Each copy is server-side when
/// the destination store can copy from the source's (-Verbose says which and why), streamed otherwise,
/// and verified at the destination. A move deletes each source only after its copy is verified, in
/// batches; a failed copy leaves its source untouched. Two sources onto one destination are refused.
/// </summary>
public abstract class BronzeCopyCmdlet : BronzeTransferCmdlet
{
    /// <summary>Remote file paths, or prefixes ending in '/' with -Recurse, relative to the source's configured prefix.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Remote folder (ends with '/') or remote file path in the destination store.</summary>
    [Parameter(Position = 1)]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>The connection to copy into (default: the source's connection).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ConnectionNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? DestinationConnection { get; set; }

    /// <summary>Copy every file below a prefix (a path ending in '/'), keeping the layout below it.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Do not replace destination files that already exist (they are reported as errors).</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Output the destination object of each file copied.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How many files are copied at once (default: the destination backend's own).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    /// <summary>Listed folders (one-level listings) carry IsPrefix.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public SwitchParameter IsPrefix { get; set; }

    /// <summary>True for Move-BronzeFile.</summary>
    private protected abstract bool IsMove { get; }

    string Verb => IsMove ? "Move" : "Copy";

    protected override string TransferOperation => Verb;

    readonly DestinationClaims _claims = new(StringComparer.Ordinal, StringComparer.Ordinal);
    readonly HashSet<(BronzeStore, BronzeStore)> _announced = new();
    readonly Dictionary<BronzeStore, List<string>> _verifiedSources = new();
    ParallelTransfers<CopyJob, CopyResult>? _transfers;
    TransferProgress? _progress;
    int _copied, _serverSide, _deleted;

    sealed record CopyJob(BronzeStore From, string Source, BronzeStore To, string Target);

    protected override void ProcessRecord()
    {
        var from = Store;
        var to = string.IsNullOrEmpty(DestinationConnection) ? from : ResolveConnection(DestinationConnection).Store;
        _progress ??= new TransferProgress(this, MyInvocation.MyCommand.Name, IsMove ? "Moving" : "Copying", Summary);
        _transfers ??= new ParallelTransfers<CopyJob, CopyResult>(
            ThrottleLimit > 0 ? ThrottleLimit : to.Backend.DefaultConcurrency, OnCompleted, () => { _progress.Write(); WriteResilienceMessages(); });
        Announce(from, to);

        foreach (var (source, target) in ExpandInput(from))
        {
            var job = new CopyJob(from, source, to, target);
            if (!Claim(job)) continue;
            _transfers.WaitForSlot();
            if (ConnectionFailed) break;
            if (!ShouldTransfer($"{from.Name}:{source} -> {to.Name}:{target}", Verb, null)) continue;
            var options = new CopyOptions { Overwrite = !NoClobber, Move = IsMove, Progress = _progress.Bytes };
            _progress.Started(null);
            _transfers.Add(job, () => from.CopyToAsync(source, to, target, options, CancellationToken));
            _progress.Write();
        }
        if (ConnectionFailed)
        {
            _transfers.Drain();
            _progress.Complete();
            ThrowIfConnectionFailed();
        }
    }

    protected override void EndProcessing()
    {
        _progress?.InputComplete();
        _transfers?.Drain();
        ThrowIfConnectionFailed();
        foreach (var (store, batch) in _verifiedSources) DeleteSources(store, batch);
        _progress?.Complete();
        WriteResilienceMessages();
        var moved = IsMove ? $", {_deleted} sources removed" : "";
        WriteVerbose($"{Verb}: {_copied} files ({_serverSide} server-side, {_copied - _serverSide} streamed){moved}.");
        CompleteTransfer();
    }

    /// <summary>Once per pair of stores: which method is used and why.</summary>
    void Announce(BronzeStore from, BronzeStore to)
    {
        if (!_announced.Add((from, to))) return;
        var support = from.CopyMethodTo(to);
        var how = support.IsSupported ? "server-side" : "streamed through this machine";
        WriteVerbose($"{Verb} from '{from.Name}' ({from.BackendType}) to '{to.Name}' ({to.BackendType}): {how}, because {support.Reason}.");
    }

    /// <summary>The first source claims a destination; a different later one is an error, the same one again is skipped.</summary>
    bool Claim(CopyJob job)
    {
        var claim = _claims.Claim($"{job.To.Name}\n{job.Target}", $"{job.From.Name}\n{job.Source}", out var first);
        if (claim == ClaimResult.Claimed) return true;
        if (claim == ClaimResult.Collision)
        {
            var firstSource = first[(first.IndexOf('\n') + 1)..];
            WriteError(new ErrorRecord(new DestinationCollisionException(job.Target, firstSource, job.Source),
                $"{ErrorIdPrefix}DestinationCollision", ErrorCategory.WriteError, job.Source));
        }
        return false;
    }

    void OnCompleted(CopyJob job, Task<CopyResult> task)
    {
        WriteResilienceMessages();
        _progress?.Write();
        if (!task.IsCompletedSuccessfully)
        {
            ReportFailure(task.Exception!, job.Source);
            return; // the source is kept
        }

        var result = task.Result;
        Summary.AddSucceeded(result.Destination.Size);
        _copied++;
        if (result.Method == CopyMethod.ServerSide) _serverSide++;
        var how = result.SourceMoved ? "renamed" : result.Method == CopyMethod.ServerSide ? "server-side" : "streamed";
        var verified = result.HashVerified ? "size and MD5 verified" : "size verified";
        WriteVerbose($"{Verb}: {job.From.Name}:{job.Source} -> {job.To.Name}:{result.Destination.Path} ({how}, {verified}).");
        if (PassThru) WriteObject(result.Destination);
        if (!IsMove || result.SourceMoved)
        {
            if (result.SourceMoved) _deleted++;
            return;
        }

        if (!_verifiedSources.TryGetValue(job.From, out var batch)) _verifiedSources[job.From] = batch = new List<string>();
        batch.Add(job.Source);
        if (batch.Count >= job.From.Backend.MaxDeleteBatchSize) DeleteSources(job.From, batch);
    }

    /// <summary>Deletes sources whose copies were verified, one batch request where the backend has one.</summary>
    void DeleteSources(BronzeStore store, List<string> batch)
    {
        if (batch.Count == 0) return;
        var paths = batch.ToArray();
        batch.Clear();
        IReadOnlyList<DeleteFailure> failures;
        try
        {
            failures = Await(store.DeleteManyAsync(paths, cancellationToken: CancellationToken));
        }
        catch (StorageException ex)
        {
            WriteResilienceMessages();
            foreach (var path in paths) WriteFileError(ex, path);
            return;
        }
        WriteResilienceMessages();
        foreach (var failure in failures) WriteFileError(failure.Error, failure.Key);
        _deleted += paths.Length - failures.Count;
    }

    /// <summary>Each source file with the path it goes to.</summary>
    IEnumerable<(string Source, string Target)> ExpandInput(BronzeStore from)
    {
        foreach (var input in Path)
        {
            var isFolder = IsPrefix || input.Replace('\\', '/').EndsWith('/');
            if (!isFolder)
            {
                var onlyFileGiven = !MyInvocation.ExpectingInput && Path.Length == 1;
                if (TryNormalize(input, out var source) && TryNormalize(input, TargetFor(source, onlyFileGiven), out var target))
                    yield return (source, target);
                continue;
            }
            if (!Recurse)
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{input}' is a folder. Use -Recurse to {Verb.ToLowerInvariant()} the files below it."),
                    $"{ErrorIdPrefix}IsFolder", ErrorCategory.InvalidArgument, input));
                continue;
            }
            foreach (var pair in ExpandPrefix(from, input)) yield return pair;
        }
    }

    /// <summary>Every file below a prefix, with its path below the prefix kept under the destination folder.</summary>
    IEnumerable<(string Source, string Target)> ExpandPrefix(BronzeStore from, string input)
    {
        string prefix;
        try { prefix = RemotePath.NormalizePrefix(input); }
        catch (InvalidRemotePathException ex) { WriteFileError(ex, input); yield break; }
        if (prefix.Length > 0 && !prefix.EndsWith('/')) prefix += "/";

        var items = from.ListAsync(prefix, new ListOptions { Recursive = true }, CancellationToken).GetAsyncEnumerator(CancellationToken);
        try
        {
            while (true)
            {
                bool more;
                try { more = Await(items.MoveNextAsync().AsTask()); }
                catch (StorageException ex) { WriteFileError(ex, input); yield break; }
                if (!more) yield break;
                var item = items.Current;
                if (TryNormalize(item.Path, FolderDestination() + item.Path[prefix.Length..], out var target))
                    yield return (item.Path, target);
            }
        }
        finally
        {
            Await(items.DisposeAsync().AsTask());
        }
    }

    string FolderDestination()
    {
        var destination = Destination.Replace('\\', '/');
        return destination.Length == 0 || destination.EndsWith('/') ? destination : destination + "/";
    }

    /// <summary>A folder destination appends the file name; a destination not ending in '/' names the
    /// new file, but only for one file given directly (pipeline input always goes into a folder).</summary>
    string TargetFor(string source, bool onlyFileGiven)
    {
        var destination = Destination.Replace('\\', '/');
        if (onlyFileGiven && destination.Length > 0 && !destination.EndsWith('/')) return destination;
        return FolderDestination() + source[(source.LastIndexOf('/') + 1)..];
    }

    bool TryNormalize(string path, out string normalized) => TryNormalize(path, path, out normalized);

    bool TryNormalize(string source, string path, out string normalized)
    {
        normalized = "";
        try
        {
            normalized = RemotePath.NormalizeFile(path);
            return true;
        }
        catch (InvalidRemotePathException ex)
        {
            WriteFileError(ex, source);
            return false;
        }
    }
}
