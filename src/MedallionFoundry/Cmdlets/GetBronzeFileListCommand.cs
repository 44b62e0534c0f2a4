using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Lists remote files under a prefix, streamed page by page: the first object reaches the pipeline
/// before the last page is fetched, and Select-Object -First stops the listing early.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BronzeFileList")]
[OutputType(typeof(RemoteObject))]
public sealed class GetBronzeFileListCommand : BronzeTransferCmdlet
{
    /// <summary>Remote prefix, relative to the configured prefix. A trailing '/' limits it to that folder.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(RemotePathCompleter))]
    public string Prefix { get; set; } = "";

    /// <summary>Wildcard on the file name (or on the whole path when it contains '/').</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    public string? Filter { get; set; }

    /// <summary>Only files matching one of these wildcards (on the name, or the path when a pattern has '/').</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    /// <summary>Leave out files matching one of these wildcards (on the name, or the path when a pattern has '/').</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    /// <summary>Only files last modified before this time.</summary>
    [Parameter]
    public DateTime? OlderThan { get; set; }

    /// <summary>Only files last modified after this time.</summary>
    [Parameter]
    public DateTime? NewerThan { get; set; }

    /// <summary>List every level below the prefix (default). -Recurse:$false lists one level, with folders.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; } = true;

    /// <summary>Objects requested per page (the backend may cap it).</summary>
    [Parameter]
    [ValidateRange(1, 100000)]
    public int PageSize { get; set; } = 1000;

    protected override void ProcessRecord()
    {
        string prefix;
        try { prefix = RemotePath.NormalizePrefix(Prefix); }
        catch (InvalidRemotePathException ex) { WriteFileError(ex, Prefix); return; }

        // Object stores list by prefix only: the other filters apply here, while the listing streams.
        var filter = Filter is null ? null : Pattern(Filter);
        var include = Include?.Select(Pattern).ToList();
        var exclude = Exclude?.Select(Pattern).ToList();
        DateTimeOffset? olderThan = OlderThan is { } o ? new DateTimeOffset(o.ToUniversalTime(), TimeSpan.Zero) : null;
        DateTimeOffset? newerThan = NewerThan is { } n ? new DateTimeOffset(n.ToUniversalTime(), TimeSpan.Zero) : null;
        bool Wanted(RemoteObject item)
        {
            if (filter is not null && !filter(item)) return false;
            if (include is not null && !include.Any(p => p(item))) return false;
            if (exclude is not null && exclude.Any(p => p(item))) return false;
            if (item.IsPrefix) return true; // folders have no time
            if (olderThan is not null && !(item.LastModified < olderThan)) return false;
            if (newerThan is not null && !(item.LastModified > newerThan)) return false;
            return true;
        }
        var store = Store;

        var items = store.ListAsync(prefix, new ListOptions { Recursive = Recurse, PageSize = PageSize }, CancellationToken)
            .GetAsyncEnumerator(CancellationToken);
        try
        {
            while (NextOrError(items, prefix))
            {
                WriteResilienceMessages();
                var item = items.Current;
                if (!Wanted(item)) continue;
                WriteObject(item);
            }
        }
        finally
        {
            items.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    bool NextOrError(IAsyncEnumerator<RemoteObject> items, string prefix)
    {
        try
        {
            return items.MoveNextAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is StorageException)
        {
            WriteResilienceMessages();
            WriteFileError(ex, prefix);
            return false;
        }
    }

    /// <summary>A wildcard on the file name, or on the whole path when it contains '/'.</summary>
    static Func<RemoteObject, bool> Pattern(string wildcard)
    {
        var pattern = new WildcardPattern(wildcard, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        var wholePath = wildcard.Contains('/');
        return item => pattern.IsMatch(wholePath ? item.Path : LeafName(item.Path));
    }

    static string LeafName(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }
}
