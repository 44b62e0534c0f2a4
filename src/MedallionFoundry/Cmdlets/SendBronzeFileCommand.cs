using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Uploads local files. -Destination is a remote folder (files keep their names, and with -Recurse
/// a folder's files keep their paths relative to it) unless it does not end in '/' and exactly one
/// file is given directly, when it is that file's remote path. Several files upload at once.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "BronzeFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PathSet)]
[OutputType(typeof(RemoteObject))]
public sealed class SendBronzeFileCommand : BronzeTransferCmdlet
{
    const string PathSet = "Path";
    const string LiteralPathSet = "LiteralPath";

    /// <summary>Local files or folders; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Local files or folders, taken literally (what Get-ChildItem pipes in, as PSPath).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Remote folder (ends with '/') or remote file path, relative to the configured prefix.</summary>
    [Parameter(Position = 1)]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>Upload the files inside folders, keeping their relative paths.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Follow links to folders and links leading outside the folder being uploaded (loops are
    /// still detected and skipped). By default only files and links to files inside the folder go.</summary>
    [Parameter]
    public SwitchParameter FollowSymlink { get; set; }

    /// <summary>A local folder the given files keep their paths relative to under -Destination (for piped
    /// files: Get-ChildItem ./extract -Recurse -File | Send-BronzeFile -BasePath ./extract -Destination x/).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BasePath { get; set; }

    /// <summary>Do not replace remote files that already exist (they are reported as errors).</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Start over instead of continuing an interrupted upload of the same file (docs/resume.md).</summary>
    [Parameter]
    public SwitchParameter NoResume { get; set; }

    /// <summary>Output an object for each uploaded file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How many files upload at once (default: the backend's own).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    /// <summary>"i/n": only the files whose remote path falls in shard i of n (see about_MedallionFoundry).</summary>
    [Parameter]
    [ValidateShard]
    public string? Shard { get; set; }

    Sync.Shard? ShardFilter => _shard ??= ValidateShardAttribute.Parse(Shard);
    Sync.Shard? _shard;

    readonly DestinationClaims _claims = DestinationClaims.ForUpload();
    ParallelTransfers<string, RemoteObject>? _transfers;
    TransferProgress? _progress;

    protected override string TransferOperation => "Upload";

    protected override void ProcessRecord()
    {
        var store = Store;
        _progress ??= new TransferProgress(this, "Send-BronzeFile", "Uploading", Summary);
        _transfers ??= new ParallelTransfers<string, RemoteObject>(
            ThrottleLimit > 0 ? ThrottleLimit : store.Backend.DefaultConcurrency, OnCompleted, () => { _progress.Write(); WriteResilienceMessages(); });

        var files = ExpandInput().Where(f => ShardFilter is not { } shard || shard.Contains(f.Remote)).Where(Claim).ToList();
        foreach (var file in files) _progress.Started(file.Size);
        if (!MyInvocation.ExpectingInput) _progress.InputComplete();
        for (var i = 0; i < files.Count; i++)
        {
            var (localPath, remotePath, size) = files[i];
            _transfers.WaitForSlot();
            if (ConnectionFailed) StopForConnectionFailure(files.Count - i);
            if (!ShouldTransfer($"{localPath} -> {remotePath}", "Upload", size)) continue;
            var options = new UploadOptions { Overwrite = !NoClobber, Progress = _progress.Bytes, NoResume = NoResume };
            _transfers.Add(localPath, () => store.UploadFileAsync(localPath, remotePath, options, CancellationToken));
            _progress.Write();
        }
        if (ConnectionFailed) StopForConnectionFailure(0);
    }

    protected override void EndProcessing()
    {
        _progress?.InputComplete();
        _transfers?.Drain();
        _progress?.Complete();
        CompleteTransfer();
    }

    void StopForConnectionFailure(int notAttempted)
    {
        _transfers?.Drain();
        _progress?.Complete();
        ThrowIfConnectionFailed(notAttempted);
    }

    void OnCompleted(string localPath, Task<RemoteObject> task)
    {
        WriteResilienceMessages();
        if (task.IsCompletedSuccessfully)
        {
            Summary.AddSucceeded(task.Result.Size);
            if (PassThru) WriteObject(task.Result);
        }
        else ReportFailure(task.Exception!, localPath);
        _progress?.Write();
    }

    /// <summary>The first local file claims a remote path; a different later one is an error naming both
    /// (nothing of it is sent), the same file again is dropped.</summary>
    bool Claim((string Local, string Remote, long Size) file)
    {
        var claim = _claims.Claim(file.Remote, file.Local, out var first);
        if (claim == ClaimResult.Collision)
            WriteError(new ErrorRecord(new DestinationCollisionException(file.Remote, first, file.Local),
                "SendBronzeFileDestinationCollision", ErrorCategory.WriteError, file.Local));
        return claim == ClaimResult.Claimed;
    }

    /// <summary>Each local file with the remote path it goes to and its size.</summary>
    IEnumerable<(string Local, string Remote, long Size)> ExpandInput()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var inputs = literal ? LiteralPath : Path;
        var basePath = BasePath is null ? null : GetUnresolvedProviderPathFromPSPath(BasePath);
        foreach (var input in inputs)
        {
            List<string> resolved;
            try
            {
                resolved = literal
                    ? new List<string> { GetUnresolvedProviderPathFromPSPath(input) }
                    : GetResolvedProviderPathFromPSPath(input, out _).ToList();
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "SendBronzeFileLocalFileNotFound", ErrorCategory.ObjectNotFound, input));
                continue;
            }

            foreach (var local in resolved)
            {
                if (Directory.Exists(local))
                {
                    if (!Recurse)
                    {
                        WriteError(new ErrorRecord(new IOException($"'{local}' is a folder. Use -Recurse to upload the files in it."),
                            "SendBronzeFileIsFolder", ErrorCategory.InvalidArgument, local));
                        continue;
                    }
                    // Several folders (or a wildcard) keep their own names under the destination, as cp -r a b dest/ does.
                    var folderPrefix = FolderPrefix(local, basePath, severalFolders: inputs.Length > 1 || resolved.Count > 1
                        || (!literal && WildcardPattern.ContainsWildcardCharacters(input)));
                    if (folderPrefix is null) continue;
                    var tree = LocalFileTree.Enumerate(local, FollowSymlink ? LocalFileTreeOptions.FollowAll : LocalFileTreeOptions.Default);
                    foreach (var entry in tree)
                    {
                        switch (entry.Kind)
                        {
                            case LocalTreeEntryKind.File:
                                if (TryRemotePath(entry.FullPath, FolderDestination() + folderPrefix + entry.RelativePath, out var remote))
                                    yield return (entry.FullPath, remote, entry.Length);
                                break;
                            case LocalTreeEntryKind.Skipped:
                                WriteVerbose(entry.Describe());
                                break;
                            default:
                                WriteError(new ErrorRecord(entry.Error ?? new IOException(entry.Describe()), "SendBronzeFileLocalReadFailed",
                                    ErrorCategory.ReadError, entry.FullPath));
                                break;
                        }
                    }
                }
                else if (File.Exists(local))
                {
                    var onlyFileGiven = !MyInvocation.ExpectingInput && inputs.Length == 1 && resolved.Count == 1;
                    var remotePath = basePath is null ? RemoteFor(local, onlyFileGiven)
                        : RelativeToBasePath(local, basePath) is { } relative ? FolderDestination() + relative : null;
                    if (remotePath is null) continue;
                    long size;
                    try { size = new FileInfo(local).Length; }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        WriteError(new ErrorRecord(ex, "SendBronzeFileLocalReadFailed", ErrorCategory.ReadError, local));
                        continue;
                    }
                    if (TryRemotePath(local, remotePath, out var remote)) yield return (local, remote, size);
                }
                else
                {
                    WriteError(new ErrorRecord(new FileNotFoundException($"The local file '{local}' does not exist.", local),
                        "SendBronzeFileLocalFileNotFound", ErrorCategory.ObjectNotFound, local));
                }
            }
        }
    }

    /// <summary>What a folder's files get in front of their relative paths: nothing for one folder given,
    /// its name for several, its path below -BasePath when that is given. Null (with an error) when the
    /// folder is not below -BasePath.</summary>
    string? FolderPrefix(string folder, string? basePath, bool severalFolders)
    {
        if (basePath is not null)
        {
            var below = RelativeToBasePath(folder, basePath);
            return below is null || below.Length == 0 ? below : below + "/";
        }
        return severalFolders ? System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(folder)) + "/" : "";
    }

    /// <summary>The '/'-separated path of <paramref name="local"/> relative to -BasePath ("" for the base
    /// itself); null (and an error) when it lies outside -BasePath.</summary>
    string? RelativeToBasePath(string local, string basePath)
    {
        var full = System.IO.Path.GetFullPath(local);
        var root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(basePath));
        if (LocalLinks.IsInside(root, full))
        {
            var relative = System.IO.Path.GetRelativePath(root, full);
            return relative == "." ? "" : relative.Replace(System.IO.Path.DirectorySeparatorChar, '/');
        }
        WriteError(new ErrorRecord(new ArgumentException($"'{local}' is not inside -BasePath '{root}'."),
            "SendBronzeFileOutsideBasePath", ErrorCategory.InvalidArgument, local));
        return null;
    }

    string FolderDestination()
    {
        var destination = Destination.Replace('\\', '/');
        return destination.Length == 0 || destination.EndsWith('/') ? destination : destination + "/";
    }

    /// <summary>A folder destination appends the file name. A destination not ending in '/' names the
    /// remote file, but only for one file given directly; pipeline input always goes into a folder.</summary>
    string RemoteFor(string local, bool onlyFileGiven)
    {
        var destination = Destination.Replace('\\', '/');
        if (onlyFileGiven && destination.Length > 0 && !destination.EndsWith('/')) return destination;
        return FolderDestination() + System.IO.Path.GetFileName(local);
    }

    bool TryRemotePath(string local, string? remote, out string normalized)
    {
        normalized = "";
        if (remote is null) return false;
        try
        {
            normalized = RemotePath.NormalizeFile(remote);
            return true;
        }
        catch (InvalidRemotePathException ex)
        {
            WriteFileError(ex, local);
            return false;
        }
    }
}
