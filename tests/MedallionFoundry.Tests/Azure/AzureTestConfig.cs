using Azure.Core.Pipeline;
using Azure.Storage.Sas;
using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Azure;

/// <summary>How a test store authenticates to Azurite.</summary>
public enum AzureTestAuth { ConnectionString, AccountKey, Sas }

/// <summary>Builds platform configs exactly as a user's YAML would, secrets handed over as environment variables.</summary>
public static class AzureTestConfig
{
    public static PlatformConfig Build(string container, string prefix, AzureTestAuth auth,
        IDictionary<string, object?>? extraConnection = null,
        BlobContainerSasPermissions sasPermissions = BlobContainerSasPermissions.All,
        IDictionary<string, object?>? extraBronze = null)
    {
        var env = new Dictionary<string, string>();
        var connection = new Dictionary<string, object?>();
        var bronze = new Dictionary<string, object?>
        {
            ["storage_backend"] = "azure",
            ["azure_container"] = container,
            ["azure_prefix"] = prefix,
        };
        switch (auth)
        {
            case AzureTestAuth.ConnectionString:
                env["TEST_AZ_CONN"] = AzuriteServer.ConnectionString;
                connection["connection_string_env"] = "TEST_AZ_CONN";
                break;
            case AzureTestAuth.AccountKey:
                env["TEST_AZ_NAME"] = AzuriteServer.Account;
                env["TEST_AZ_KEY"] = AzuriteServer.Key;
                connection["account_name_env"] = "TEST_AZ_NAME";
                connection["account_key_env"] = "TEST_AZ_KEY";
                connection["account_url"] = AzuriteServer.BlobEndpoint;
                break;
            case AzureTestAuth.Sas:
                env["TEST_AZ_SAS"] = AzuriteServer.SasToken(container, sasPermissions);
                bronze["azure_storage_account"] = AzuriteServer.Account;
                connection["sas_token_env"] = "TEST_AZ_SAS";
                connection["account_url"] = AzuriteServer.BlobEndpoint;
                break;
        }
        foreach (var (key, value) in extraConnection ?? new Dictionary<string, object?>()) connection[key] = value;
        foreach (var (key, value) in extraBronze ?? new Dictionary<string, object?>()) bronze[key] = value;
        return PlatformConfig.FromValues(bronze,
            new Dictionary<string, IDictionary<string, object?>> { ["azure_connection"] = connection },
            name => env.GetValueOrDefault(name));
    }

    public static AzureBackend Backend(PlatformConfig config, HttpPipelinePolicy? policy = null, TimeProvider? clock = null) =>
        new(AzureSettings.FromConfig(config), policy, clock);

    public static BronzeStore Store(PlatformConfig config, HttpPipelinePolicy? policy = null) =>
        new(Backend(config, policy), "test");
}
