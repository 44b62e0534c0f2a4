using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.CustomBackends;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Custom;

/// <summary>Registering a .NET backend: every way it can be wrong has its own error id, and a good one
/// is known to config validation and gets its own config section.</summary>
public sealed class AssemblyRegistrationTests
{
    static BackendDescriptor Describe(string name, string typeName, string? assemblyPath = null, BackendRegistry? registry = null)
    {
        var options = new CustomBackendOptions { Name = name };
        options.ValidateName(registry ?? BackendRegistry.CreateWithBuiltIns(), replace: false);
        return AssemblyBackendLoader.Describe(options, assemblyPath ?? MemoryBackendSource.AssemblyPath, typeName);
    }

    [Theory]
    [InlineData("Contoso.Storage.NoSuchBackend", "TypeNotFound")]
    [InlineData("Contoso.Storage.NotABackend", "NotAStorageBackend")]
    [InlineData("Contoso.Storage.AbstractBackend", "TypeIsAbstract")]
    [InlineData("Contoso.Storage.BackendWithoutConfigConstructor", "NoSuitableConstructor")]
    public void A_wrong_type_is_refused_with_its_problem(string typeName, string problem)
    {
        var error = Assert.Throws<BackendRegistrationException>(() => Describe("wrong", typeName));
        Assert.Equal(problem, error.Problem);
        Assert.Contains(typeName, error.Message);
    }

    [Fact]
    public void Type_not_found_lists_the_backends_the_assembly_has()
    {
        var error = Assert.Throws<BackendRegistrationException>(() => Describe("wrong", "MemoryBackend"));
        Assert.Contains("Contoso.Storage.MemoryBackend", error.Message);
    }

    [Fact]
    public void A_missing_assembly_is_refused_naming_the_path()
    {
        var path = Path.Combine(Contract.TestData.TempFolder("no-dll"), "missing.dll");
        var error = Assert.Throws<BackendRegistrationException>(() => Describe("wrong", MemoryBackendSource.TypeName, path));
        Assert.Equal("AssemblyNotFound", error.Problem);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_assembly_is_refused()
    {
        var path = Path.Combine(Contract.TestData.TempFolder("bad-dll"), "bad.dll");
        File.WriteAllText(path, "not a dll");
        var error = Assert.Throws<BackendRegistrationException>(() => Describe("wrong", MemoryBackendSource.TypeName, path));
        Assert.Equal("AssemblyLoadFailed", error.Problem);
    }

    [Theory]
    [InlineData("local", "BuiltInName")]
    [InlineData("LOCAL", "BuiltInName")]
    [InlineData("taken", "NameInUse")]
    [InlineData("has space", "InvalidName")]
    [InlineData("1st", "InvalidName")]
    public void Names_are_checked(string name, string problem)
    {
        var registry = BackendRegistry.CreateWithBuiltIns();
        registry.Register(Describe("taken", MemoryBackendSource.TypeName, registry: registry));
        var error = Assert.Throws<BackendRegistrationException>(() => Describe(name, MemoryBackendSource.TypeName, registry: registry));
        Assert.Equal(problem, error.Problem);
    }

    [Fact]
    public void A_registered_name_is_accepted_by_config_and_an_unknown_one_lists_it()
    {
        var registry = BackendRegistry.CreateWithBuiltIns();
        registry.Register(Describe("my_storage", MemoryBackendSource.TypeName, registry: registry));

        var known = PlatformConfig.Parse("platform:\n  bronze:\n    storage_backend: my_storage\n    prefix: raw\n");
        var backend = registry.Create(known);
        var unknown = PlatformConfig.Parse("platform:\n  bronze:\n    storage_backend: other_storage\n");
        var error = Assert.Throws<ConfigException>(() => registry.Create(unknown));

        Assert.Equal("Contoso.Storage.MemoryBackend", backend.GetType().FullName);
        Assert.Equal("raw", backend.Prefix);
        Assert.Contains("my_storage", error.Message);
        Assert.Contains("local", error.Message);
    }

    [Fact]
    public void Required_keys_are_checked_before_the_backend_is_created()
    {
        var registry = BackendRegistry.CreateWithBuiltIns();
        var options = new CustomBackendOptions { Name = "needs_root", RequiredKeys = ["root"] };
        registry.Register(AssemblyBackendLoader.Describe(options, MemoryBackendSource.AssemblyPath, MemoryBackendSource.TypeName));

        var error = Assert.Throws<ConfigException>(() => registry.Create(PlatformConfig.Parse("platform:\n  bronze:\n    storage_backend: needs_root\n")));

        Assert.Contains("platform.bronze.root", error.Message);
    }

    [Fact]
    public async Task The_backend_reads_its_own_section_and_batches_deletes_by_it()
    {
        await using var store = await new CompiledBackendFixture().CreateStoreAsync();
        foreach (var i in Enumerable.Range(0, 20))
            await store.UploadAsync(new MemoryStream([1]), $"d/{i}.bin");

        var batches = new List<int>();
        var failures = await store.DeleteManyAsync(Enumerable.Range(0, 20).Select(i => $"d/{i}.bin"), batches.Add);

        Assert.Empty(failures);
        Assert.Equal(new[] { 7, 7, 6 }, batches);
        Assert.Equal(7, store.Backend.MaxDeleteBatchSize);
    }

    [Fact]
    public void Errors_from_the_backend_constructor_come_out_unwrapped()
    {
        var registry = BackendRegistry.CreateWithBuiltIns();
        registry.Register(Describe("memory_bad", MemoryBackendSource.TypeName, registry: registry));
        var config = PlatformConfig.Parse("platform:\n  bronze:\n    storage_backend: memory_bad\n  memory_bad:\n    max_delete_batch: lots\n", "bad.yaml");

        var error = Assert.Throws<ConfigException>(() => registry.Create(config));

        Assert.Contains("platform.memory_bad.max_delete_batch", error.Message);
    }
}
