using System.Collections;
using System.Management.Automation;
using MedallionFoundry.Backends;
using MedallionFoundry.CustomBackends;

namespace MedallionFoundry.Commands;

/// <summary>
/// Adds a custom storage backend to the process-wide registry, so that
/// <c>storage_backend: &lt;name&gt;</c> (or Connect-BronzeStorage -Backend &lt;name&gt;) selects it, in this
/// runspace and every other one of the process. Three forms: a .NET class (-AssemblyPath, -TypeName),
/// PowerShell scriptblocks (-Upload, -Download, -List, -Delete) or a PowerShell module (-Module).
/// Everything is validated here; a bad registration is a terminating error RegisterBronzeStorageBackend&lt;Problem&gt;.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "BronzeStorageBackend", DefaultParameterSetName = ScriptBlockSet)]
[OutputType(typeof(BronzeStorageBackendInfo))]
public sealed class RegisterBronzeStorageBackendCommand : BronzeCmdlet
{
    const string AssemblySet = "Assembly";
    const string ScriptBlockSet = "ScriptBlock";
    const string ModuleSet = "Module";

    /// <summary>The value of platform.bronze.storage_backend that selects the backend.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>.NET form: path of the assembly holding the backend class.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AssemblySet)]
    [ValidateNotNullOrEmpty]
    public string AssemblyPath { get; set; } = "";

    /// <summary>.NET form: full name of the class (namespace included).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AssemblySet)]
    [ValidateNotNullOrEmpty]
    public string TypeName { get; set; } = "";

    /// <summary>Script form: { param($LocalPath, $Key, $Config) ... }.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? Upload { get; set; }

    /// <summary>Script form: { param($Key, $LocalPath, $Config) ... }.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? Download { get; set; }

    /// <summary>Script form: { param($Prefix, $Recursive, $Config) ... } outputting objects with Key, Size, LastModified.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? List { get; set; }

    /// <summary>Script form: { param($Key, $Config) ... }.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? Delete { get; set; }

    /// <summary>Script form, optional: { param($Key, $Config) ... } outputting one object or nothing.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? Stat { get; set; }

    /// <summary>Script form, optional: { param($Keys, $Config) ... } outputting (Key, Error) per failed key.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? DeleteMany { get; set; }

    /// <summary>Module form: a module name or the path of a .psm1/.psd1 defining Send-StorageObject,
    /// Receive-StorageObject, Get-StorageObjectList, Remove-StorageObject (and optionally
    /// Get-StorageObjectInfo, Remove-StorageObjectBatch).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ModuleSet)]
    [ValidateNotNullOrEmpty]
    public string Module { get; set; } = "";

    /// <summary>Script and module forms: how many operations run at once (runspaces in the backend's pool).</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [Parameter(ParameterSetName = ModuleSet)]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Shown by Get-BronzeStorageBackend.</summary>
    [Parameter]
    public string Description { get; set; } = "";

    /// <summary>Keys that must be present under platform.bronze; Connect-BronzeStorage names a missing one.</summary>
    [Parameter]
    public string[] RequiredKey { get; set; } = Array.Empty<string>();

    /// <summary>Keys that may be present under platform.bronze (documentation for Get-BronzeStorageBackend).</summary>
    [Parameter]
    public string[] OptionalKey { get; set; } = Array.Empty<string>();

    /// <summary>Options declared in full: @{ Key = 'port'; Type = 'Int'; Default = 22; Min = 1; Max = 65535;
    /// Required = $false; Sensitive = $false; Section = 'bronze' or 'own'; Allowed = ...; Description = '...' }.
    /// They are validated at Connect-BronzeStorage, shown by Get-BronzeStorageBackend, and their typed values reach the backend.</summary>
    [Parameter]
    public Hashtable[] Option { get; set; } = Array.Empty<Hashtable>();

    /// <summary>Replace a custom backend already registered under this name (never a built-in one).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Output the registered backend.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        BackendDescriptor descriptor;
        try
        {
            var options = new CustomBackendOptions
            {
                Name = Name.Trim(),
                Description = Description,
                RequiredKeys = RequiredKey,
                OptionalKeys = OptionalKey,
                Options = OptionTable.FromHashtables(Name.Trim(), Option),
            };
            options.ValidateName(BackendRegistry.Default, Force);
            descriptor = ParameterSetName switch
            {
                AssemblySet => AssemblyBackendLoader.Describe(options, GetUnresolvedProviderPathFromPSPath(AssemblyPath), TypeName),
                ModuleSet => ScriptBackendFactory.Describe(new ScriptBackendDefinition { Options = options, Module = ResolveModule(), ThrottleLimit = ThrottleLimit }),
                _ => ScriptBackendFactory.Describe(new ScriptBackendDefinition { Options = options, Scripts = GivenScripts(), ThrottleLimit = ThrottleLimit }),
            };
            BackendRegistry.Default.Register(descriptor, replace: Force);
        }
        catch (BackendRegistrationException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIdPrefix + ex.Problem, ex.Category, Name));
            return;
        }
        catch (InvalidOperationException ex)
        {
            // Lost a race with another runspace registering the same name.
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIdPrefix + "NameInUse", ErrorCategory.ResourceExists, Name));
            return;
        }
        WriteVerbose($"Registered the storage backend '{descriptor.Name}' ({descriptor.Source}).");
        if (PassThru) WriteObject(BronzeStorageBackendInfo.From(descriptor));
    }

    Dictionary<string, string> GivenScripts()
    {
        var scripts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Add(ScriptOperation operation, ScriptBlock? block)
        {
            if (block is not null) scripts[operation.Name] = block.ToString();
        }
        Add(ScriptOperation.Upload, Upload);
        Add(ScriptOperation.Download, Download);
        Add(ScriptOperation.List, List);
        Add(ScriptOperation.Delete, Delete);
        Add(ScriptOperation.Stat, Stat);
        Add(ScriptOperation.DeleteMany, DeleteMany);
        return scripts;
    }

    /// <summary>A path (relative to the PowerShell location) becomes absolute, because the backend's
    /// runspaces import it later from another current directory; a bare name is looked up on PSModulePath.</summary>
    string ResolveModule()
    {
        var looksLikePath = Module.Contains('/') || Module.Contains('\\')
            || Module.EndsWith(".psm1", StringComparison.OrdinalIgnoreCase) || Module.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase)
            || Module.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        return looksLikePath ? GetUnresolvedProviderPathFromPSPath(Module) : Module;
    }
}
