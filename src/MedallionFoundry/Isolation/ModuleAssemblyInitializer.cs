using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MedallionFoundry.Isolation;

/// <summary>
/// Import-Module runs this before any cmdlet. The cmdlet assembly (this one) lives in the default load
/// context; when it first needs MedallionFoundry.Core, the default context cannot find it (Core is in the
/// 'dependencies' folder, out of PowerShell's probing), and this handler loads it into the module's own
/// context instead. Core's dependencies then resolve inside that context. See "Resolving PowerShell module
/// assembly dependency conflicts" (learn.microsoft.com).
/// </summary>
public sealed class ModuleAssemblyInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    const string CoreAssembly = "MedallionFoundry.Core";
    static readonly object Gate = new();
    static bool _registered;

    /// <summary>One context per process: importing the module again must not load a second Core.</summary>
    static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(
        Path.Combine(Path.GetDirectoryName(typeof(ModuleAssemblyInitializer).Assembly.Location)!, "dependencies")));

    public void OnImport()
    {
        lock (Gate)
        {
            if (_registered) return;
            AssemblyLoadContext.Default.Resolving += ResolveCore;
            _registered = true;
            NativeHeap.ReleaseFreePagesOnce();
            try { CoreTypeNames.Register(LoadCore()); }
            catch (Exception ex) when (ex is IOException or BadImageFormatException or ReflectionTypeLoadException)
            {
                // The cmdlets still work; only [MedallionFoundry.*] type names in scripts would not resolve.
            }
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (!_registered) return;
            AssemblyLoadContext.Default.Resolving -= ResolveCore;
            CoreTypeNames.Unregister();
            _registered = false;
        }
    }

    static Assembly LoadCore() => Context.Value.LoadFromAssemblyName(new AssemblyName(CoreAssembly));

    static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name)
    {
        // Only Core crosses over: every other request is someone else's business.
        if (!string.Equals(name.Name, CoreAssembly, StringComparison.Ordinal)) return null;
        return Context.Value.LoadFromAssemblyName(name);
    }
}
