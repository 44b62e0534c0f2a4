using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace MedallionFoundry.Isolation;

/// <summary>
/// The module's own load context, rooted at the module's 'dependencies' folder. MedallionFoundry.Core and
/// everything it brings (AWSSDK.*, Azure.*, YamlDotNet, Polly, Microsoft.Bcl.*, the System.* packages)
/// load here, so other versions of them in the session (Az.Storage, AWS.Tools, an older System.Text.Json)
/// neither break the module nor are broken by it. Whatever the folder does not hold (the framework,
/// System.Management.Automation) comes from the default context. So does a framework assembly the folder
/// holds too (System.Text.Json, System.IO.Pipelines... that Azure.Core needs at 10.x): when the running
/// framework's copy is at least as new, it is used. It is precompiled (ReadyToRun) where the package's copy
/// is IL only and would be JIT-compiled at first use (~1,000 System.Text.Json methods on the first S3
/// request); on older runtimes (pwsh 7.4/7.5) the folder's newer copy still loads here.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    readonly string _folder;
    readonly Lazy<Dictionary<string, Version>> _versions;

    public DependencyLoadContext(string folder) : base("MedallionFoundry", isCollectible: false)
    {
        _folder = folder;
        _versions = new(ReadVersionList);
    }

    public string Folder => _folder;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = FindAssembly(assemblyName.Name);
        if (path is null || FrameworkHasAtLeast(path)) return null;
        return LoadFromAssemblyPath(path);
    }

    static readonly string? FrameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location);

    /// <summary>
    /// Whether the running framework has an assembly of this file's name, of its version or newer. The
    /// framework's version is its loaded copy's (the one the default context would use anyway when this
    /// answers yes); the folder's is the build's record of it.
    /// </summary>
    bool FrameworkHasAtLeast(string path)
    {
        if (string.IsNullOrEmpty(FrameworkFolder) || !File.Exists(Path.Combine(FrameworkFolder, Path.GetFileName(path)))) return false;
        try
        {
            var ours = FolderVersion(path);
            var framework = Default.LoadFromAssemblyName(new AssemblyName(Path.GetFileNameWithoutExtension(path)));
            return ours is not null && framework.GetName().Version >= ours;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// The assembly version of a file in the folder, from the list build.ps1 writes beside it
    /// (<see cref="VersionListName"/>). Reading it from the file itself (AssemblyName.GetAssemblyName) would
    /// load System.Reflection.Metadata and System.Collections.Immutable into the session (1.9 MiB of their
    /// files resident after a transfer) for four comparisons. A folder without the list (a hand-made layout)
    /// still works. On an older runtime, where the folder's copy wins, the framework's older copy has been
    /// loaded into the default context for the comparison; pwsh itself uses most of these four anyway.
    /// </summary>
    Version? FolderVersion(string path)
    {
        var relative = Path.GetRelativePath(_folder, path).Replace('\\', '/');
        return _versions.Value.TryGetValue(relative, out var version) ? version : AssemblyName.GetAssemblyName(path).Version;
    }

    /// <summary>The file build.ps1 writes into the folder: one "relative/path.dll&lt;TAB&gt;version" line per assembly.</summary>
    public const string VersionListName = "assembly-versions.txt";

    Dictionary<string, Version> ReadVersionList()
    {
        var versions = new Dictionary<string, Version>(StringComparer.Ordinal);
        var list = Path.Combine(_folder, VersionListName);
        if (!File.Exists(list)) return versions;
        foreach (var line in File.ReadLines(list))
        {
            var tab = line.IndexOf('\t');
            if (tab > 0 && Version.TryParse(line.AsSpan(tab + 1), out var version)) versions[line[..tab]] = version;
        }
        return versions;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var rid in RuntimeIdentifiers())
        {
            var native = Path.Combine(_folder, "runtimes", rid, "native");
            if (!Directory.Exists(native)) continue;
            foreach (var candidate in Directory.EnumerateFiles(native))
                if (Path.GetFileNameWithoutExtension(candidate).Equals(unmanagedDllName, StringComparison.OrdinalIgnoreCase)
                    || Path.GetFileName(candidate).Equals(unmanagedDllName, StringComparison.OrdinalIgnoreCase))
                    return LoadUnmanagedDllFromPath(candidate);
        }
        return IntPtr.Zero;
    }

    /// <summary>An OS-specific build of the assembly (runtimes/&lt;rid&gt;/lib/&lt;tfm&gt;/) wins over the portable one.</summary>
    string? FindAssembly(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        var file = name + ".dll";
        foreach (var rid in RuntimeIdentifiers())
        {
            var lib = Path.Combine(_folder, "runtimes", rid, "lib");
            if (!Directory.Exists(lib)) continue;
            var specific = Directory.EnumerateDirectories(lib).OrderDescending(StringComparer.Ordinal)
                .Select(tfm => Path.Combine(tfm, file)).FirstOrDefault(File.Exists);
            if (specific is not null) return specific;
        }
        var portable = Path.Combine(_folder, file);
        return File.Exists(portable) ? portable : null;
    }

    static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsWindows()) return [$"win-{arch}", "win"];
        if (OperatingSystem.IsMacOS()) return [$"osx-{arch}", "osx", $"unix", ];
        return [$"linux-{arch}", "linux", "unix"];
    }
}
