using System.Management.Automation;
using MedallionFoundry.Session;

namespace MedallionFoundry.Commands;

/// <summary>Makes an open connection the current one, without connecting again.</summary>
[Cmdlet(VerbsOther.Use, "BronzeStorage")]
[OutputType(typeof(BronzeStorageInfo))]
public sealed class UseBronzeStorageCommand : BronzeCmdlet
{
    /// <summary>The name of an open connection (Get-BronzeStorage -All lists them).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConnectionNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Output the connection that is now current.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!BronzeConnections.Use(Name))
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"There is no connection named '{Name}'. Connections: {string.Join(", ", BronzeConnections.Names.DefaultIfEmpty("(none)"))}."),
                "UseBronzeStorageConnectionNotFound", ErrorCategory.ObjectNotFound, Name));
            return;
        }
        WriteVerbose($"'{Name}' is the current connection.");
        if (PassThru && BronzeConnections.Current is { } current) WriteObject(BronzeStorageInfo.From(current));
    }
}
