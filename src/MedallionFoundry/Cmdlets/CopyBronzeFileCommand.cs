using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>Copies remote files within a store, between prefixes, or to another connection's store:
/// server-side where the stores allow it, streamed otherwise (see <see cref="BronzeCopyCmdlet"/>).</summary>
[Cmdlet(VerbsCommon.Copy, "BronzeFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RemoteObject))]
public sealed class CopyBronzeFileCommand : BronzeCopyCmdlet
{
    private protected override bool IsMove => false;
}
