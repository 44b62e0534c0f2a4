using System.Management.Automation;
using System.Reflection;

namespace MedallionFoundry.Isolation;

/// <summary>
/// PowerShell resolves a type name written in a script ([MedallionFoundry.Storage.RemoteObject], a class
/// deriving from [MedallionFoundry.Storage.StorageBackend]) only among the assemblies of the default load
/// context, and Core lives in the module's own. Registering Core's public types as type accelerators under
/// their full names makes them resolvable again, exactly as written, without moving Core back.
/// </summary>
internal static class CoreTypeNames
{
    static readonly Type? Accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
    static readonly List<string> Added = new();

    public static void Register(Assembly core)
    {
        if (Accelerators is null) return;
        var add = Accelerators.GetMethod("Add", [typeof(string), typeof(Type)]);
        var existing = Accelerators.GetProperty("Get")?.GetValue(null) as IDictionary<string, Type>;
        if (add is null) return;
        foreach (var type in core.GetExportedTypes())
        {
            if (type.IsNested || type.FullName is null || type.FullName.Contains('`')) continue;
            if (existing?.ContainsKey(type.FullName) == true) continue;
            add.Invoke(null, [type.FullName, type]);
            Added.Add(type.FullName);
        }
    }

    public static void Unregister()
    {
        var remove = Accelerators?.GetMethod("Remove", [typeof(string)]);
        if (remove is null) return;
        foreach (var name in Added) remove.Invoke(null, [name]);
        Added.Clear();
    }
}
