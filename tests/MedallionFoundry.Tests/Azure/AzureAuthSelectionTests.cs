using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Config;

namespace MedallionFoundry.Tests.Azure;

/// <summary>Which authentication method a config chooses: every branch, the order, and the errors. No server needed.</summary>
public sealed class AzureAuthSelectionTests
{
    static readonly Dictionary<string, string> Environment = new()
    {
        ["CONN"] = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0;",
        ["NAME"] = "envaccount",
        ["KEY"] = "a2V5LXNlY3JldA==",
        ["SAS"] = "?sv=2024-01-01&sig=secret-signature",
        ["TENANT"] = "tenant-id",
        ["CLIENT"] = "client-id",
        ["SECRET"] = "client-secret-value",
    };

    // Every option at once; tests remove keys to walk down the order.
    static readonly Dictionary<string, object?> Everything = new()
    {
        ["connection_string_env"] = "CONN",
        ["account_name_env"] = "NAME",
        ["account_key_env"] = "KEY",
        ["sas_token_env"] = "SAS",
        ["tenant_id_env"] = "TENANT",
        ["client_id_env"] = "CLIENT",
        ["client_secret_env"] = "SECRET",
        ["use_managed_identity"] = "true",
    };

    static ConfigSection Section(IDictionary<string, object?> values, Func<string, string?>? environment = null) =>
        new("platform.azure_connection", values, environment: environment ?? (n => Environment.GetValueOrDefault(n)));

    static Dictionary<string, object?> Without(params string[] keys) =>
        Everything.Where(p => !keys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void A_connection_string_wins_over_everything()
    {
        var auth = AzureAuthSelector.Select(Section(Everything), "acct");

        Assert.Equal(AzureAuthMethod.ConnectionString, auth.Method);
        Assert.Equal(Environment["CONN"], auth.ConnectionString);
    }

    [Fact]
    public void Account_name_and_key_come_second()
    {
        var auth = AzureAuthSelector.Select(Section(Without("connection_string_env")), "configured");

        Assert.Equal(AzureAuthMethod.AccountKey, auth.Method);
        Assert.Equal("envaccount", auth.AccountName);
        Assert.Equal(Environment["KEY"], auth.AccountKey);
    }

    [Fact]
    public void An_account_key_without_account_name_env_uses_the_configured_account()
    {
        var auth = AzureAuthSelector.Select(Section(new Dictionary<string, object?> { ["account_key_env"] = "KEY" }), "configured");

        Assert.Equal(AzureAuthMethod.AccountKey, auth.Method);
        Assert.Equal("configured", auth.AccountName);
    }

    [Fact]
    public void An_account_key_with_no_account_name_anywhere_is_an_error_naming_both_keys()
    {
        var error = Assert.Throws<ConfigException>(() =>
            AzureAuthSelector.Select(Section(new Dictionary<string, object?> { ["account_key_env"] = "KEY" }), null));

        Assert.Contains("platform.azure_connection.account_name_env", error.Message);
        Assert.Contains("platform.bronze.azure_storage_account", error.Message);
    }

    [Fact]
    public void An_account_name_without_a_key_is_an_error_naming_the_key()
    {
        var error = Assert.Throws<ConfigException>(() =>
            AzureAuthSelector.Select(Section(new Dictionary<string, object?> { ["account_name_env"] = "NAME", ["sas_token_env"] = "SAS" }), null));

        Assert.Equal("platform.azure_connection.account_key_env", error.Key);
    }

    [Fact]
    public void A_sas_token_comes_third_and_loses_its_question_mark()
    {
        var auth = AzureAuthSelector.Select(Section(Without("connection_string_env", "account_name_env", "account_key_env")), "acct");

        Assert.Equal(AzureAuthMethod.SasToken, auth.Method);
        Assert.Equal("sv=2024-01-01&sig=secret-signature", auth.SasToken);
    }

    [Fact]
    public void A_service_principal_comes_fourth()
    {
        var auth = AzureAuthSelector.Select(Section(Without("connection_string_env", "account_name_env", "account_key_env", "sas_token_env")), "acct");

        Assert.Equal(AzureAuthMethod.ServicePrincipal, auth.Method);
        Assert.Equal(("tenant-id", "client-id", "client-secret-value"), (auth.TenantId, auth.ClientId, auth.ClientSecret));
    }

    [Fact]
    public void A_partial_service_principal_is_an_error_naming_what_is_missing()
    {
        var error = Assert.Throws<ConfigException>(() => AzureAuthSelector.Select(
            Section(new Dictionary<string, object?> { ["tenant_id_env"] = "TENANT", ["client_id_env"] = "CLIENT", ["use_managed_identity"] = "true" }), "acct"));

        Assert.Contains("missing: platform.azure_connection.client_secret_env", error.Message);
    }

    [Fact]
    public void Managed_identity_comes_last()
    {
        var auth = AzureAuthSelector.Select(Section(new Dictionary<string, object?> { ["use_managed_identity"] = "true", ["managed_identity_client_id"] = "uami-id" }), "acct");

        Assert.Equal(AzureAuthMethod.ManagedIdentity, auth.Method);
        Assert.Equal("uami-id", auth.ManagedIdentityClientId);
    }

    [Fact]
    public void Nothing_chosen_is_an_error_that_lists_every_option_and_names_the_section()
    {
        var error = Assert.Throws<ConfigException>(() =>
            AzureAuthSelector.Select(Section(new Dictionary<string, object?> { ["use_managed_identity"] = "false", ["account_url"] = "https://x" }), "acct"));

        Assert.Equal("platform.azure_connection", error.Key);
        foreach (var option in new[] { "connection_string_env", "account_name_env", "account_key_env", "sas_token_env", "tenant_id_env", "client_id_env", "client_secret_env", "use_managed_identity" })
            Assert.Contains(option, error.Message);
    }

    [Fact]
    public void A_missing_section_is_an_error_that_lists_the_options()
    {
        var error = Assert.Throws<ConfigException>(() => AzureAuthSelector.Select(null, "acct"));

        Assert.Equal("platform.azure_connection", error.Key);
        Assert.Contains("sas_token_env", error.Message);
    }

    [Fact]
    public void An_unset_variable_is_named_but_no_secret_is_ever_shown()
    {
        var error = Assert.Throws<ConfigException>(() =>
            AzureAuthSelector.Select(Section(new Dictionary<string, object?> { ["connection_string_env"] = "NOT_SET_ANYWHERE" }), "acct"));
        var chosen = AzureAuthSelector.Select(Section(Everything), "acct");

        Assert.Contains("NOT_SET_ANYWHERE", error.Message);
        Assert.Equal("ConnectionString (from platform.azure_connection.connection_string_env)", chosen.ToString());
        Assert.DoesNotContain("c2VjcmV0", chosen.ToString());
    }
}
