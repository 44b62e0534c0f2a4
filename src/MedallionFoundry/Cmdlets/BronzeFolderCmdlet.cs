using System.Management.Automation;
using MedallionFoundry.Storage;
using MedallionFoundry.Sync;

namespace MedallionFoundry.Commands;

/// <summary>What Compare-BronzeFolder and Sync-BronzeFolder share: the folder pair, the compare mode,
/// the path filters, and running the one decision rule of <see cref="FolderComparer"/>.</summary>
public abstract class BronzeFolderCmdlet : BronzeTransferCmdlet
{
    /// <summary>The local folder.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string LocalPath { get; set; } = "";

    /// <summary>The remote folder, relative to the configured prefix ("" for all of it).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    public string RemotePath { get; set; } = "";

    /// <summary>How files are judged equal: Hash (default), SizeAndTime or Size.</summary>
    [Parameter]
    [ValidateSet("Hash", "SizeAndTime", "Size")]
    public string Compare { get; set; } = "Hash";

    /// <summary>Only relative paths that match one of these wildcards.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Include { get; set; }

    /// <summary>Never relative paths that match one of these wildcards (on either side).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Exclude { get; set; }

    /// <summary>The local folder as a full path.</summary>
    protected string ResolvedLocalPath => GetUnresolvedProviderPathFromPSPath(LocalPath);

    /// <summary>Compares the folders, showing progress and -Verbose notes from the pipeline thread.
    /// A listing or local walk that fails as a whole throws; see <see cref="ThrowCompareFailure"/>.</summary>
    private protected IReadOnlyList<FolderComparison> CompareFolders(RemoteFolder remote, string localRoot, SyncDirection direction,
        PathFilter filter, AgeFilter? age, LocalHasher hasher, bool forUpload = false)
    {
        var comparer = new FolderComparer
        {
            Mode = ParseEnum<CompareMode>(Compare),
            Direction = direction,
            Filter = filter,
            Age = age,
            Hasher = hasher,
            RemoteMd5 = (item, ct) => remote.Md5ByReadingAsync(item, hasher, ct),
            PartSizes = remote.PartSizesFor,
        };
        var compared = 0;
        var tree = LocalTree.Scan(localRoot);
        foreach (var skipped in tree.Skipped) WriteVerbose(skipped.Describe() + " Remote files under it are left alone.");
        var task = comparer.CompareAsync(tree, remote.ListAsync(forUpload, CancellationToken),
            new Progress(n => Volatile.Write(ref compared, n)), CancellationToken);
        var record = new ProgressRecord(Math.Abs(GetType().Name.GetHashCode()) % 100000 + 1, $"{MyInvocation.MyCommand.Name}: comparing", "Listing");
        var showProgress = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD")) && !Console.IsOutputRedirected;
        while (!task.Wait(250))
        {
            WriteResilienceMessages();
            if (!showProgress) continue;
            record.StatusDescription = $"{Volatile.Read(ref compared)} files compared";
            WriteProgress(record);
        }
        if (showProgress) { record.RecordType = ProgressRecordType.Completed; WriteProgress(record); }
        WriteResilienceMessages();
        var results = task.GetAwaiter().GetResult();
        // One line per extra cost, but not thousands: a backend without hashes in its listing says so once.
        var notes = results.Where(r => r.Note is not null).Select(r => r.Note!).ToList();
        foreach (var note in notes.Take(10)) WriteVerbose(note);
        if (notes.Count > 10) WriteVerbose($"... and {notes.Count - 10} more files whose remote content was hashed the same way.");
        WriteVerbose($"Compared {results.Count} files by {Compare}; {hasher.FilesRead} local files read, the rest answered by the hash cache{(hasher.Cache is null ? " (off)" : $" ({hasher.Cache.FilePath})")}.");
        return results;
    }

    /// <summary>A -Direction or -Compare value (checked by ValidateSet; parameters of Core types would load Core too early).</summary>
    private protected static T ParseEnum<T>(string value) where T : struct, Enum => Enum.Parse<T>(value, ignoreCase: true);

    /// <summary>The listing or the local walk failed as a whole (a wrong bucket, no access, the server down):
    /// one terminating error, not one per file.</summary>
    private protected void ThrowCompareFailure(Exception error) => ThrowTerminatingError(ErrorFor(Unwrap(error), RemotePath));

    /// <summary>The filter from -Include, -Exclude and a shard (of the remote path).</summary>
    private protected PathFilter FilterFor(Shard? shard, RemoteFolder remote) => new(Include, Exclude, shard, remote.Prefix);

    /// <summary>An error record for a path that could not be compared.</summary>
    private protected ErrorRecord CompareError(FolderComparison failed) => failed.Error is { } error
        ? ErrorFor(error, failed.Path)
        : new ErrorRecord(new InvalidOperationException($"'{failed.Path}' could not be compared: {failed.Reason}."),
            $"{ErrorIdPrefix}HashUnknown", ErrorCategory.ReadError, failed.Path);

    sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
