using System.Management.Automation;
using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>Base of the cmdlets that work on remote files through a connection.</summary>
public abstract class BronzeTransferCmdlet : BronzeCmdlet
{
    /// <summary>Name of the connection to use (default: the current one). Bound from listed objects too.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConnectionNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Connection { get; set; }

    BronzeConnection? _resolved;

    /// <summary>The store to use for the current record (connections are looked up once per name).</summary>
    protected BronzeStore Store
    {
        get
        {
            if (_resolved is null || (!string.IsNullOrEmpty(Connection) && !string.Equals(_resolved.Name, Connection, StringComparison.OrdinalIgnoreCase)))
                _resolved = ResolveConnection(Connection);
            return _resolved.Store;
        }
    }

    /// <summary>Writes the retry and circuit messages the resilience layer queued on worker threads.
    /// Call it from the pipeline thread only.</summary>
    protected void WriteResilienceMessages()
    {
        if (_resolved is null) return;
        foreach (var message in _resolved.Store.Runner.DrainMessages()) WriteVerbose(message);
    }
}
