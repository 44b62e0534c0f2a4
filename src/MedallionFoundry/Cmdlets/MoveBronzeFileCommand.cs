using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>Moves remote files: copy, verify the copy (size and hash) at the destination, then delete
/// the sources in batches. A source whose copy failed is kept (see <see cref="BronzeCopyCmdlet"/>).</summary>
[Cmdlet(VerbsCommon.Move, "BronzeFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RemoteObject))]
public sealed class MoveBronzeFileCommand : BronzeCopyCmdlet
{
    private protected override bool IsMove => true;
}
