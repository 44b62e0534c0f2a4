using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Config;
using MedallionFoundry.Resilience;

namespace MedallionFoundry.Tests.Config;

/// <summary>
/// The key tables of docs/configuration.md and docs/backends/*.md equal what the declarations generate.
/// With MF_UPDATE_DOCS=1 the test rewrites the pages instead (then review the diff and commit).
/// </summary>
public sealed class OptionDocsTests
{
    static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MedallionFoundry.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (MedallionFoundry.sln) was not found above the test assembly.");
    }

    static BackendDescriptor Builtin(string name) { BackendRegistry.CreateWithBuiltIns().TryGet(name, out var d); return d; }

    public static TheoryData<string, string> Blocks() => new()
    {
        { "docs/backends/s3.md", "s3" },
        { "docs/backends/azure.md", "azure" },
        { "docs/backends/local.md", "local" },
        { "docs/backends/sftp.md", "sftp" },
        { "docs/configuration.md", "resilience" },
        { "docs/configuration.md", "general" },
        { "docs/configuration.md", "backends" },
        { "docs/layers.md", "compress" },
        { "docs/layers.md", "encrypt" },
        { "docs/layers.md", "cache" },
        { "docs/layers.md", "mirror" },
    };

    static string Expected(string name) => name switch
    {
        "resilience" => OptionDocs.Table(ResilienceOptions.All),
        "general" => OptionDocs.Table(SharedOptions.General),
        "backends" => OptionDocs.BackendSummary(new[] { "s3", "azure", "local", "sftp" }.Select(n => Builtin(n))
            .Select(d => (d.Name, d.Options, (IReadOnlyList<string>)d.OwnedSections, $"backends/{d.Name}.md"))),
        _ when StorageLayers.All.FirstOrDefault(l => l.Name == name) is { } layer => OptionDocs.Table(layer.Options),
        _ => OptionDocs.Table(Builtin(name).Options),
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void The_docs_table_equals_the_declarations(string page, string name)
    {
        var path = Path.Combine(Repo(), page);
        var text = File.ReadAllText(path).Replace("\r\n", "\n");
        var updated = OptionDocs.Replace(text, name, Expected(name));
        Assert.True(updated is not null, $"{page} has no <!-- options:{name} --> ... <!-- /options --> block.");
        if (updated != text && Environment.GetEnvironmentVariable("MF_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, updated);
            return;
        }
        Assert.True(updated == text, $"The table '{name}' in {page} differs from the declarations. Run: MF_UPDATE_DOCS=1 dotnet test --filter OptionDocs");
    }

    [Fact]
    public void Every_built_in_option_appears_in_its_page()
    {
        foreach (var name in new[] { "s3", "azure", "local", "sftp" })
        {
            var page = File.ReadAllText(Path.Combine(Repo(), $"docs/backends/{name}.md"));
            Assert.All(Builtin(name).Options, o => Assert.Contains($"`{o.ShortKey}`", page));
        }
    }
}
