using Azure.Storage.Blobs;
using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Config;

namespace MedallionFoundry.Tests.Azure;

/// <summary>Reading platform.bronze.azure_* and platform.azure_connection: defaults and errors. No server needed.</summary>
public sealed class AzureSettingsTests
{
    static PlatformConfig Yaml(string connection, string bronzeExtra = "") => PlatformConfig.Parse($"""
        platform:
          bronze:
            storage_backend: azure
            azure_storage_account: myaccount
            azure_container: bronze
            azure_prefix: /landing/raw/
        {bronzeExtra}
          azure_connection:
        {connection}
        """, "test.yaml", name => name == "SAS" ? "sv=1&sig=abc" : null);

    [Fact]
    public void Defaults_apply_when_only_authentication_is_given()
    {
        var settings = AzureSettings.FromConfig(Yaml("    use_managed_identity: true"));

        Assert.Equal("landing/raw", settings.Prefix);
        Assert.False(settings.CreateContainer);
        Assert.Null(settings.ServiceVersion);
        Assert.Equal(4, settings.MaxConcurrency);          // the defaults docs/backends/azure.md states
        Assert.Equal(4L << 20, settings.TransferSize);
        Assert.True(settings.TransferSizeGrowsWithFile);
        Assert.Equal(64L << 20, settings.BlockSizeFor(512L << 20));
        Assert.Equal(8L << 20, settings.InitialTransferSize);
        Assert.Equal(new Uri("https://myaccount.blob.core.windows.net"), settings.ServiceUri("myaccount"));
    }

    [Fact]
    public void Transfer_settings_service_version_and_account_url_are_read()
    {
        var settings = AzureSettings.FromConfig(Yaml("""
                sas_token_env: SAS
                account_url: https://myaccount.blob.core.usgovcloudapi.net/
                create_container: true
                service_version: "2026-06-06"
                max_concurrency: 16
                transfer_size: 4MiB
                initial_transfer_size: 1048576
            """));

        Assert.True(settings.CreateContainer);
        Assert.Equal(BlobClientOptions.ServiceVersion.V2026_06_06, settings.ServiceVersion);
        Assert.Equal(16, settings.MaxConcurrency);
        Assert.Equal(4L << 20, settings.TransferSize);
        Assert.False(settings.TransferSizeGrowsWithFile); // set: kept as it is
        Assert.Equal(4L << 20, settings.BlockSizeFor(512L << 20));
        Assert.Equal(1L << 20, settings.InitialTransferSize);
        Assert.Equal(new Uri("https://myaccount.blob.core.usgovcloudapi.net"), settings.ServiceUri("ignored"));
    }

    [Theory]
    [InlineData("    service_version: 1999-01-01", "platform.azure_connection.service_version")]
    [InlineData("    transfer_size: lots", "platform.azure_connection.transfer_size")]
    [InlineData("    max_concurrency: 0", "platform.azure_connection.max_concurrency")]
    [InlineData("    account_url: not a url", "platform.azure_connection.account_url")]
    [InlineData("    account_url: https://a.blob.core.windows.net/?sig=x", "platform.azure_connection.account_url")]
    [InlineData("    create_container: perhaps", "platform.azure_connection.create_container")]
    public void Bad_values_are_errors_naming_the_key_and_file(string line, string key)
    {
        var error = Assert.Throws<ConfigException>(() => AzureSettings.FromConfig(Yaml("    use_managed_identity: true\n" + line)));

        Assert.Equal(key, error.Key);
        Assert.StartsWith("test.yaml:", error.Message);
    }

    [Fact]
    public void An_invalid_container_name_is_an_error_naming_the_key()
    {
        var config = PlatformConfig.FromValues(
            new Dictionary<string, object?> { ["storage_backend"] = "azure", ["azure_container"] = "Bronze_Data" },
            new Dictionary<string, IDictionary<string, object?>> { ["azure_connection"] = new Dictionary<string, object?> { ["use_managed_identity"] = "true" } });

        var error = Assert.Throws<ConfigException>(() => AzureSettings.FromConfig(config));

        Assert.Equal("platform.bronze.azure_container", error.Key);
    }

    [Fact]
    public void The_registry_knows_azure_and_requires_the_container()
    {
        var config = PlatformConfig.FromValues(new Dictionary<string, object?> { ["storage_backend"] = "azure" });

        var error = Assert.Throws<ConfigException>(() => BackendRegistry.CreateWithBuiltIns().Create(config));

        Assert.Equal("platform.bronze.azure_container", error.Key);
    }

    [Fact]
    public void Token_methods_need_an_account_or_an_account_url()
    {
        var config = PlatformConfig.FromValues(
            new Dictionary<string, object?> { ["storage_backend"] = "azure", ["azure_container"] = "bronze" },
            new Dictionary<string, IDictionary<string, object?>> { ["azure_connection"] = new Dictionary<string, object?> { ["use_managed_identity"] = "true" } });

        var error = Assert.Throws<ConfigException>(() => AzureSettings.FromConfig(config));

        Assert.Equal("platform.bronze.azure_storage_account", error.Key);
    }
}
