using System.Management.Automation;
using MedallionFoundry.Session;

namespace MedallionFoundry.Commands;

/// <summary>Closes a connection (default: the current one) and releases its client.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "BronzeStorage", DefaultParameterSetName = "Name")]
[OutputType(typeof(void))]
public sealed class DisconnectBronzeStorageCommand : BronzeCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [ArgumentCompleter(typeof(ConnectionNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Close every connection.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "All")]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        if (All)
        {
            foreach (var connection in BronzeConnections.All)
                if (BronzeConnections.Remove(connection.Name)) Provider.BronzeDrives.Unmount(this, connection.Name);
            return;
        }
        var name = Name ?? BronzeConnections.CurrentName;
        if (name is null || !BronzeConnections.Remove(name))
        {
            WriteError(new ErrorRecord(new InvalidOperationException(name is null
                    ? "There is no connection to close."
                    : $"There is no connection named '{name}'."),
                "DisconnectBronzeStorageConnectionNotFound", ErrorCategory.ObjectNotFound, name));
            return;
        }
        Provider.BronzeDrives.Unmount(this, name);
        WriteVerbose($"Disconnected '{name}'.");
    }
}
