using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.CustomBackends;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Custom;

/// <summary>
/// The ShareBackend class of docs/extending.md, taken from the page as written, compiled at test
/// time, registered like Register-BronzeStorageBackend -AssemblyPath does, and run through the
/// contract suite: the documented example is a correct backend, not just one that compiles.
/// </summary>
public sealed class DocsShareBackendFixture : IBackendFixture
{
    const string Name = "docs_share";
    static readonly Lazy<string> Compiled = new(() => CSharpCompiler.CompileToFile("Contoso.Bronze.Share", ExtractBlock("ShareBackend.cs")));
    readonly BackendRegistry _registry = BackendRegistry.CreateWithBuiltIns();

    public DocsShareBackendFixture()
    {
        _registry.Register(AssemblyBackendLoader.Describe(new CustomBackendOptions { Name = Name, RequiredKeys = ["path"] },
            Compiled.Value, "Contoso.Bronze.ShareBackend"));
    }

    public Task<BronzeStore> CreateStoreAsync()
    {
        var config = PlatformConfig.FromValues(new Dictionary<string, object?>
        {
            ["storage_backend"] = Name,
            ["path"] = TestData.TempFolder("docs-share"),
            ["prefix"] = TestData.UniqueName("bronze"),
        });
        return Task.FromResult(BronzeStoreFactory.Create(config, "test", _registry));
    }

    /// <summary>The fenced block that follows "&lt;!-- file: NAME --&gt;" in docs/extending.md.</summary>
    static string ExtractBlock(string fileName)
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "MedallionFoundry.sln"))) folder = folder.Parent;
        var doc = File.ReadAllLines(Path.Combine(folder?.FullName ?? throw new DirectoryNotFoundException("repository root not found"), "docs", "extending.md"));
        var start = Array.IndexOf(doc, $"<!-- file: {fileName} -->");
        if (start < 0 || !doc[start + 1].StartsWith("```", StringComparison.Ordinal))
            throw new InvalidDataException($"docs/extending.md has no block announced as '{fileName}'.");
        var end = Array.IndexOf(doc, "```", start + 2);
        return string.Join("\n", doc[(start + 2)..end]);
    }
}

public sealed class DocsShareBackendContractTests : BackendContractTests
{
    protected override IBackendFixture Fixture { get; } = new DocsShareBackendFixture();
}
