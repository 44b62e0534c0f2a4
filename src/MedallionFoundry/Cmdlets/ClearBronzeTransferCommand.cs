using System.Management.Automation;
using MedallionFoundry.Session;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Commands;

/// <summary>
/// Drops interrupted transfers so they start over next time: a download's hidden temporary file, an
/// upload's multipart upload on S3 (aborted through the open connection to its target), and their states.
/// Without input it clears every transfer (with -OlderThan, those idle at least that long).
/// </summary>
[Cmdlet(VerbsCommon.Clear, "BronzeTransfer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class ClearBronzeTransferCommand : BronzeCmdlet
{
    /// <summary>Transfers from Get-BronzeTransfer. Default: every one.</summary>
    [Parameter(ValueFromPipeline = true)]
    public ResumableTransfer[]? InputObject { get; set; }

    /// <summary>Only transfers that made no progress for at least this long.</summary>
    [Parameter]
    public TimeSpan OlderThan { get; set; }

    bool _hadInput;

    protected override void ProcessRecord()
    {
        if (InputObject is null) return;
        _hadInput = true;
        foreach (var transfer in InputObject) Clear(transfer);
    }

    protected override void EndProcessing()
    {
        if (_hadInput) return;
        foreach (var transfer in ResumableTransfers.List()) Clear(transfer);
    }

    void Clear(ResumableTransfer transfer)
    {
        if (transfer.Age < OlderThan) return;
        var what = $"{transfer.Direction} {transfer.LocalPath} {(transfer.Direction == "Upload" ? "->" : "<-")} {transfer.Location} {transfer.Key}";
        if (!ShouldProcess(what, "Clear interrupted transfer")) return;
        var connection = BronzeConnections.All.FirstOrDefault(c => ResumableTransfers.IsTargetOf(transfer, c.Store.Backend));
        if (transfer.Direction == "Upload" && connection is null)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"The interrupted upload of '{transfer.Key}' to {transfer.Location} is kept: its parts can only be dropped through a connection to that target. Connect to it (Connect-BronzeStorage) and run Clear-BronzeTransfer again."),
                "ClearBronzeTransferNotConnected", ErrorCategory.ConnectionError, transfer));
            return;
        }
        try
        {
            if (!Await(ResumableTransfers.ClearAsync(transfer, connection?.Store.Backend, CancellationToken)))
                WriteWarning($"The store at {transfer.Location} cannot abort multipart uploads: the parts of '{transfer.Key}' stay until its own clean-up (for instance a lifecycle rule).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PipelineStoppedException)
        {
            WriteError(ErrorFor(ex, transfer));
        }
    }
}
