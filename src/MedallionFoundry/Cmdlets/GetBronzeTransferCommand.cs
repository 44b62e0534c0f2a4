using System.Management.Automation;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Commands;

/// <summary>Lists the interrupted transfers that running the same command again would continue (docs/resume.md).
/// Needs no connection: the states are in the per-user transfer folder.</summary>
[Cmdlet(VerbsCommon.Get, "BronzeTransfer")]
[OutputType(typeof(ResumableTransfer))]
public sealed class GetBronzeTransferCommand : BronzeCmdlet
{
    /// <summary>Only uploads or only downloads.</summary>
    [Parameter]
    [ValidateSet("Upload", "Download")]
    public string? Direction { get; set; }

    /// <summary>Only transfers that made no progress for at least this long.</summary>
    [Parameter]
    public TimeSpan OlderThan { get; set; }

    protected override void EndProcessing()
    {
        foreach (var transfer in ResumableTransfers.List())
            if ((Direction is null || transfer.Direction == Direction) && transfer.Age >= OlderThan)
                WriteObject(transfer);
    }
}
