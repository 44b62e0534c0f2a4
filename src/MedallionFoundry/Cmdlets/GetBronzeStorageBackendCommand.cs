using System.Management.Automation;
using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.CustomBackends;

namespace MedallionFoundry.Commands;

/// <summary>Lists the storage backends the module knows (built-in and registered), then the storage layers, with their config keys.</summary>
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
        var infos = BackendRegistry.Default.Descriptors.Where(d => !Custom || !d.IsBuiltIn).Select(BronzeStorageBackendInfo.From)
            .Concat(Custom ? [] : StorageLayers.All.Select(BronzeStorageBackendInfo.FromLayer)).ToList();
        foreach (var name in Name ?? new[] { "*" })
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = infos.Where(d => pattern.IsMatch(d.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no storage backend named '{name}'. Backends: {string.Join(", ", BackendRegistry.Default.Names)}."),
                    "GetBronzeStorageBackendNotFound", ErrorCategory.ObjectNotFound, name));
                continue;
            }
            foreach (var info in matches)
                WriteObject(WithDefaultView(info));
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
