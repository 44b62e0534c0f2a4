using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using MedallionFoundry.Isolation;

namespace MedallionFoundry.Tests.Isolation;

/// <summary>
/// Which copy of an assembly the module's context loads when the running framework has one too: the
/// framework's when it is at least as new as the folder's, whose version comes from the list the build
/// writes (reading it from the file would load System.Reflection.Metadata into the user's session).
/// </summary>
public sealed class DependencyLoadContextTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), $"mf-alc-{Guid.NewGuid():N}");
    static readonly Assembly FrameworkJson = typeof(JsonSerializer).Assembly;

    public DependencyLoadContextTests()
    {
        Directory.CreateDirectory(_folder);
        // The framework's own file stands in for a package copy: same name, a version the test chooses below.
        File.Copy(FrameworkJson.Location, Path.Combine(_folder, "System.Text.Json.dll"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    Assembly LoadJson(string? listedVersion)
    {
        if (listedVersion is not null)
            File.WriteAllText(Path.Combine(_folder, DependencyLoadContext.VersionListName), $"System.Text.Json.dll\t{listedVersion}\n");
        return new DependencyLoadContext(_folder).LoadFromAssemblyName(new AssemblyName("System.Text.Json"));
    }

    [Fact]
    public void The_frameworks_copy_is_used_when_the_listed_version_is_not_newer()
    {
        Assert.Same(FrameworkJson, LoadJson("1.0.0.0"));
    }

    [Fact]
    public void The_folders_copy_is_used_when_the_listed_version_is_newer()
    {
        var loaded = LoadJson("99.0.0.0");
        Assert.NotSame(FrameworkJson, loaded);
        Assert.Equal(Path.Combine(_folder, "System.Text.Json.dll"), loaded.Location);
        Assert.Equal("MedallionFoundry", AssemblyLoadContext.GetLoadContext(loaded)!.Name);
    }

    [Fact]
    public void Without_a_list_the_files_own_version_decides()
    {
        // The copy's version is the framework's: at least as new, so the framework's is used.
        Assert.Same(FrameworkJson, LoadJson(null));
    }
}
