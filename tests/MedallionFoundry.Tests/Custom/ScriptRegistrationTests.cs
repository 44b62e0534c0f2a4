using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.CustomBackends;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Custom;

/// <summary>Script backends: registration checks every operation and its parameters; errors the
/// scripts raise come back as typed storage errors; a stuck script can be cancelled.</summary>
public sealed class ScriptRegistrationTests
{
    static ScriptBackendDefinition Scripts(Action<Dictionary<string, string>> change)
    {
        var scripts = FolderScripts.Scripts();
        change(scripts);
        return new ScriptBackendDefinition { Options = new CustomBackendOptions { Name = "s" }, Scripts = scripts };
    }

    [Fact]
    public void A_missing_operation_is_MissingMethod_naming_it_and_its_signature()
    {
        var error = Assert.Throws<BackendRegistrationException>(() => ScriptBackendFactory.Describe(Scripts(s => s.Remove("Delete"))));
        Assert.Equal("MissingMethod", error.Problem);
        Assert.Contains("-Delete", error.Message);
        Assert.Contains("param($Key, $Config)", error.Message);
    }

    [Theory]
    [InlineData("param($Path, $Key, $Config) 1", "missing $LocalPath")]
    [InlineData("param($LocalPath, $Key) 1", "missing $Config")]
    [InlineData("param($LocalPath, $Key, $Config, $Extra) 1", "unexpected $Extra")]
    [InlineData("$args[0]", "no parameters")]
    public void Wrong_parameters_are_WrongParameters_saying_what_is_wrong(string upload, string detail)
    {
        var error = Assert.Throws<BackendRegistrationException>(() => ScriptBackendFactory.Describe(Scripts(s => s["Upload"] = upload)));
        Assert.Equal("WrongParameters", error.Problem);
        Assert.Contains(detail, error.Message);
        Assert.Contains("param($LocalPath, $Key, $Config)", error.Message);
    }

    [Fact]
    public void Parameters_may_come_in_any_order_and_case()
    {
        var descriptor = ScriptBackendFactory.Describe(Scripts(s => s["Upload"] = "param($config, $key, $localpath) 1"));
        Assert.Equal(CustomBackendKind.ScriptBlock, CustomBackendKinds.Of(descriptor));
    }

    [Fact]
    public void A_module_without_a_function_is_MissingMethod_naming_the_function()
    {
        var path = FolderScripts.WriteModule();
        File.WriteAllText(path, FolderScripts.Module.Replace("function Remove-StorageObject {", "function Remove-Something {"));

        var error = Assert.Throws<BackendRegistrationException>(() =>
            ScriptBackendFactory.Describe(new ScriptBackendDefinition { Options = new CustomBackendOptions { Name = "m" }, Module = path }));

        Assert.Equal("MissingMethod", error.Problem);
        Assert.Contains("Remove-StorageObject", error.Message);
    }

    [Fact]
    public void A_module_function_with_wrong_parameters_is_WrongParameters()
    {
        var path = FolderScripts.WriteModule();
        File.WriteAllText(path, FolderScripts.Module.Replace("param($Key, $LocalPath, $Config)", "param($Key, $Destination, $Config)"));

        var error = Assert.Throws<BackendRegistrationException>(() =>
            ScriptBackendFactory.Describe(new ScriptBackendDefinition { Options = new CustomBackendOptions { Name = "m" }, Module = path }));

        Assert.Equal("WrongParameters", error.Problem);
        Assert.Contains("Receive-StorageObject", error.Message);
        Assert.Contains("$Destination", error.Message);
    }

    [Fact]
    public void A_module_that_does_not_exist_is_ModuleNotFound()
    {
        var path = Path.Combine(Contract.TestData.TempFolder("no-module"), "Nope.psm1");
        var error = Assert.Throws<BackendRegistrationException>(() =>
            ScriptBackendFactory.Describe(new ScriptBackendDefinition { Options = new CustomBackendOptions { Name = "m" }, Module = path }));
        Assert.Equal("ModuleNotFound", error.Problem);
    }

    static async Task<BronzeStore> StoreWith(Action<Dictionary<string, string>> change)
    {
        var registry = BackendRegistry.CreateWithBuiltIns();
        registry.Register(ScriptBackendFactory.Describe(Scripts(change)));
        var root = Contract.TestData.TempFolder("script-errors");
        var config = PlatformConfig.FromValues(new Dictionary<string, object?> { ["storage_backend"] = "s", ["root"] = root, ["prefix"] = "p" });
        await Task.CompletedTask;
        return BronzeStoreFactory.Create(config, "test", registry);
    }

    [Fact]
    public async Task A_generic_script_error_is_a_StorageException_naming_the_key_and_the_reason()
    {
        await using var store = await StoreWith(s => s["Upload"] = "param($LocalPath, $Key, $Config) throw 'the tape robot is offline'");

        var error = await Assert.ThrowsAsync<StorageException>(() => store.UploadAsync(new MemoryStream([1, 2]), "a/b.bin"));

        Assert.Equal(StorageErrorKind.Unknown, error.Kind);
        Assert.Contains("'p/a/b.bin'", error.Message);
        Assert.Contains("the tape robot is offline", error.Message);
    }

    [Fact]
    public async Task A_non_terminating_error_fails_the_operation_too()
    {
        // $ErrorActionPreference is Stop in the backend's runspaces; this script lowers it to get a
        // genuinely non-terminating error, which must still fail the operation.
        await using var store = await StoreWith(s => s["Delete"] = """
            [CmdletBinding()] param($Key, $Config)
            $ErrorActionPreference = 'Continue'
            $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([UnauthorizedAccessException]::new('delete refused'), 'Refused', 'PermissionDenied', $Key))
            """);

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.DeleteAsync("a/b.bin"));

        Assert.Contains("delete refused", error.Message);
    }

    [Fact]
    public async Task A_command_the_script_cannot_find_is_a_script_error_not_a_missing_object()
    {
        await using var store = await StoreWith(s => s["Delete"] = "param($Key, $Config) Remove-TapeObject -Key $Key");

        var error = await Assert.ThrowsAsync<StorageException>(() => store.DeleteAsync("a/b.bin"));

        Assert.Equal(StorageErrorKind.Unknown, error.Kind);
        Assert.Contains("Remove-TapeObject", error.Message);
    }

    [Fact]
    public async Task A_storage_exception_thrown_by_the_script_keeps_its_type()
    {
        await using var store = await StoreWith(s => s["Download"] =
            "param($Key, $LocalPath, $Config) throw [MedallionFoundry.Storage.StorageTransientException]::new('busy, try later', $Key, $null, [TimeSpan]::FromSeconds(3))");

        var error = await Assert.ThrowsAsync<StorageTransientException>(() => store.DownloadAsync("a/b.bin", new MemoryStream()));

        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
    }

    [Fact]
    public async Task A_list_result_without_a_key_is_a_clear_error()
    {
        await using var store = await StoreWith(s => s["List"] = "param($Prefix, $Recursive, $Config) [pscustomobject]@{ Name = 'x' }");

        var error = await Assert.ThrowsAsync<StorageException>(async () => { await foreach (var _ in store.ListAsync("")) { } });

        Assert.Contains("without a Key", error.Message);
    }

    [Fact]
    public async Task A_stuck_script_is_stopped_by_cancellation()
    {
        await using var store = await StoreWith(s => s["Upload"] = "param($LocalPath, $Key, $Config) while ($true) { [Threading.Thread]::Sleep(20) }");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UploadAsync(new MemoryStream([1]), "a/b.bin", cancellationToken: cancellation.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Scripts_get_the_bronze_keys_and_their_own_section_in_Config()
    {
        var registry = BackendRegistry.CreateWithBuiltIns();
        var seen = Path.Combine(Contract.TestData.TempFolder("config-seen"), "seen.txt");
        registry.Register(ScriptBackendFactory.Describe(Scripts(s => s["Delete"] =
            "param($Key, $Config) [IO.File]::WriteAllText($Config.seen, \"$($Config.storage_backend)|$($Config.team)|$($Config.endpoint.port)|$($Config.base_directory)\")")));
        var config = PlatformConfig.Parse($"""
            platform:
              bronze:
                storage_backend: s
                team: from-bronze
                seen: {seen}
              s:
                team: from-section
                endpoint:
                  port: 8443
            """);
        config.BaseDirectory = "/somewhere";
        await using var store = BronzeStoreFactory.Create(config, "test", registry);

        await store.DeleteAsync("x.bin");

        Assert.Equal("s|from-section|8443|/somewhere", await File.ReadAllTextAsync(seen));
    }
}
