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

        var filter = Filter is null ? null : new WildcardPattern(Filter, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        var matchWholePath = Filter?.Contains('/') == true;
        var store = Store;

        var items = store.ListAsync(prefix, new ListOptions { Recursive = Recurse, PageSize = PageSize }, CancellationToken)
            .GetAsyncEnumerator(CancellationToken);
        try
        {
            while (NextOrError(items, prefix))
            {
                WriteResilienceMessages();
                var item = items.Current;
                if (filter is not null && !filter.IsMatch(matchWholePath ? item.Path : LeafName(item.Path))) continue;
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

    static string LeafName(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }
}
