using System.Management.Automation;
using MedallionFoundry.Backends.Mirror;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>Shows where the targets of a mirror connection differ: files some targets lack, or hold with
/// another size (after a partial failure, or writes that went around the mirror).</summary>
[Cmdlet(VerbsDiagnostic.Test, "BronzeMirror")]
[OutputType(typeof(MirrorDifference), typeof(bool))]
public sealed class TestBronzeMirrorCommand : BronzeTransferCmdlet
{
    /// <summary>Only the files below this remote folder (default: everything under the prefix).</summary>
    [Parameter(Position = 0)]
    public string? Prefix { get; set; }

    /// <summary>Return only $true (the targets agree) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        var store = Store;
        if (MirrorComparison.MirrorOf(store.Backend) is not { } mirror)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"The connection '{store.Name}' is {store.BackendType} storage, not a mirror (storage_backend: mirror)."),
                ErrorIdPrefix + "NotAMirror", ErrorCategory.InvalidOperation, store.Name));
            return;
        }
        IReadOnlyList<MirrorDifference> differences;
        try
        {
            differences = Await(MirrorComparison.CompareAsync(mirror, RemotePath.NormalizePrefix(Prefix), CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowTerminatingError(ErrorFor(ex, Prefix ?? ""));
            return;
        }
        WriteVerbose($"{differences.Count} difference(s) between the {mirror.Members.Count} targets of '{store.Name}'.");
        if (Quiet) WriteObject(differences.Count == 0);
        else foreach (var difference in differences) WriteObject(difference);
    }
}
