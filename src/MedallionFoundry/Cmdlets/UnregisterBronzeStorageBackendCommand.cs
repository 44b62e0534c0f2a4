using System.Management.Automation;
using MedallionFoundry.Backends;

namespace MedallionFoundry.Commands;

/// <summary>
/// Removes a custom backend from the registry. Connections already made with it keep working until
/// they are disconnected; new connections cannot use the name. Built-in backends cannot be removed.
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "BronzeStorageBackend", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class UnregisterBronzeStorageBackendCommand : BronzeCmdlet
{
    /// <summary>Name of the registered backend.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            if (!BackendRegistry.Default.TryGet(name, out var descriptor))
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no registered storage backend named '{name}'. Backends: {string.Join(", ", BackendRegistry.Default.Names)}."),
                    "UnregisterBronzeStorageBackendNotFound", ErrorCategory.ObjectNotFound, name));
                continue;
            }
            if (descriptor.IsBuiltIn)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException($"The storage backend '{descriptor.Name}' is built in and cannot be unregistered."),
                    "UnregisterBronzeStorageBackendBuiltIn", ErrorCategory.InvalidOperation, name));
                continue;
            }
            if (!ShouldProcess(descriptor.Name, "Unregister storage backend")) continue;
            BackendRegistry.Default.Unregister(descriptor.Name);
            WriteVerbose($"Unregistered the storage backend '{descriptor.Name}' ({descriptor.Source}).");
        }
    }
}
