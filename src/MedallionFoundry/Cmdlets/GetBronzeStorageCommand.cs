using System.Management.Automation;
using MedallionFoundry.Session;

namespace MedallionFoundry.Commands;

/// <summary>Shows the open connections (current one by default). Secrets are never shown.</summary>
[Cmdlet(VerbsCommon.Get, "BronzeStorage")]
[OutputType(typeof(BronzeStorageInfo))]
public sealed class GetBronzeStorageCommand : BronzeCmdlet
{
    /// <summary>Connection names (wildcards allowed). Default: the current connection.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(ConnectionNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Show every open connection.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void EndProcessing()
    {
        if (All || Name is not null)
        {
            var patterns = (Name ?? new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var connection in BronzeConnections.All.Where(c => patterns.Any(p => p.IsMatch(c.Name))))
                WriteObject(BronzeStorageInfo.From(connection));
            return;
        }
        var current = BronzeConnections.Current;
        if (current is null)
        {
            WriteError(new ErrorRecord(new InvalidOperationException("Not connected to bronze storage. Run Connect-BronzeStorage first."),
                "GetBronzeStorageNotConnected", ErrorCategory.ConnectionError, null));
            return;
        }
        WriteObject(BronzeStorageInfo.From(current));
    }
}
