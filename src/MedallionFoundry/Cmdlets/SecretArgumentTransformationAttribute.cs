using System.Management.Automation;
using System.Net;
using System.Security;

namespace MedallionFoundry.Commands;

/// <summary>
/// Lets a SecureString parameter also take a plain string (kept working for existing scripts) or a
/// PSCredential (its password). The secure forms keep a typed secret out of the command line that
/// $Error[n].InvocationInfo.Line shows; scripts should use the *_env keys instead.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecretArgumentTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            SecureString secure => secure,
            PSCredential credential => credential.Password,
            string text => new NetworkCredential("", text).SecurePassword,
            _ => inputData,
        };
    }
}
