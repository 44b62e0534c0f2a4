using System.Management.Automation;
using MedallionFoundry.Backends;
using MedallionFoundry.CustomBackends;

namespace MedallionFoundry.Commands;

/// <summary>Lists the storage backends the module knows (built-in and registered) with their config keys.</summary>
[Cmdlet(VerbsCommon.Get, "BronzeStorageBackend")]
[OutputType(typeof(BronzeStorageBackendInfo))]
public sealed class GetBronzeStorageBackendCommand : BronzeCmdlet
{
    /// <summary>Backend names (wildcards allowed). Default: all.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Only the backends registered with Register-BronzeStorageBackend.</summary>
    [Parameter]
    public SwitchParameter Custom { get; set; }

    protected override void ProcessRecord()
    {
        var descriptors = BackendRegistry.Default.Descriptors.Where(d => !Custom || !d.IsBuiltIn).ToList();
        foreach (var name in Name ?? new[] { "*" })
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = descriptors.Where(d => pattern.IsMatch(d.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no storage backend named '{name}'. Backends: {string.Join(", ", BackendRegistry.Default.Names)}."),
                    "GetBronzeStorageBackendNotFound", ErrorCategory.ObjectNotFound, name));
                continue;
            }
            foreach (var descriptor in matches)
                WriteObject(WithDefaultView(BronzeStorageBackendInfo.From(descriptor)));
        }
    }

    /// <summary>A short table by default (Name, Kind, RequiredKeys, Source); Format-List shows everything.</summary>
    static PSObject WithDefaultView(BronzeStorageBackendInfo info)
    {
        var wrapped = PSObject.AsPSObject(info);
        wrapped.Members.Add(new PSMemberSet("PSStandardMembers", new PSMemberInfo[]
        {
            new PSPropertySet("DefaultDisplayPropertySet", new[] { "Name", "Kind", "RequiredKeys", "Source" }),
        }));
        return wrapped;
    }
}
