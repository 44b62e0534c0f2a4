using MedallionFoundry.Config;

namespace MedallionFoundry.Backends.Azure;

/// <summary>The ways the Azure backend can authenticate, in the order they are tried.</summary>
public enum AzureAuthMethod
{
    ConnectionString,
    AccountKey,
    SasToken,
    ServicePrincipal,
    ManagedIdentity,
}

/// <summary>
/// The authentication method chosen from platform.azure_connection, with the values it needs.
/// Holds secrets: <see cref="ToString"/> names only the method, never a value.
/// </summary>
public sealed class AzureAuthSelection
{
    public required AzureAuthMethod Method { get; init; }

    /// <summary>The config key that decided the method (for messages and Get-BronzeStorage).</summary>
    public required string DecidingKey { get; init; }

    // Secret-bearing values stay internal: no public property (or PowerShell formatting) shows them.
    internal string? ConnectionString { get; init; }
    public string? AccountName { get; init; }
    internal string? AccountKey { get; init; }
    internal string? SasToken { get; init; }
    public string? TenantId { get; init; }
    public string? ClientId { get; init; }
    internal string? ClientSecret { get; init; }

    /// <summary>Client id of a user-assigned managed identity (not a secret); null for system-assigned.</summary>
    public string? ManagedIdentityClientId { get; init; }

    public override string ToString() => $"{Method} (from {DecidingKey})";
}

/// <summary>
/// Chooses how to authenticate: a pure function of the config section and its environment, so
/// every branch is unit-testable without a server. First match wins:
/// connection_string_env, account_key_env (+ account_name_env), sas_token_env,
/// service principal (tenant_id_env, client_id_env, client_secret_env), use_managed_identity: true.
/// </summary>
public static class AzureAuthSelector
{
    public const string SectionPath = "platform.azure_connection";

    /// <summary>The options listed when nothing matches (the same words the docs use).</summary>
    public static readonly string OptionsText =
        "connection_string_env (a variable holding a connection string); " +
        "account_name_env + account_key_env (shared key); " +
        "sas_token_env (a SAS token); " +
        "tenant_id_env + client_id_env + client_secret_env (service principal); " +
        "use_managed_identity: true (managed identity / default Azure credential chain)";

    /// <param name="connection">platform.azure_connection, or null when the config has none.</param>
    /// <param name="configuredAccount">platform.bronze.azure_storage_account, when given.</param>
    public static AzureAuthSelection Select(ConfigSection? connection, string? configuredAccount)
    {
        if (connection is null)
            throw new ConfigException(
                $"The section '{SectionPath}' is required for the Azure backend and must choose how to authenticate. Options, first match wins: {OptionsText}.",
                SectionPath);

        if (connection.Has("connection_string_env"))
            return new()
            {
                Method = AzureAuthMethod.ConnectionString,
                DecidingKey = connection.KeyPath("connection_string_env"),
                ConnectionString = connection.GetFromEnvironment("connection_string_env", required: true),
            };

        if (connection.Has("account_key_env") || connection.Has("account_name_env"))
        {
            if (!connection.Has("account_key_env"))
                throw connection.Error("account_key_env",
                    $"The key '{connection.KeyPath("account_name_env")}' is set, so '{connection.KeyPath("account_key_env")}' must name the variable holding the account key.");
            var name = connection.Has("account_name_env")
                ? connection.GetFromEnvironment("account_name_env", required: true)
                : configuredAccount;
            if (string.IsNullOrWhiteSpace(name))
                throw connection.Error("account_name_env",
                    $"Shared-key authentication needs the account name: set '{connection.KeyPath("account_name_env")}' or 'platform.bronze.azure_storage_account'.");
            return new()
            {
                Method = AzureAuthMethod.AccountKey,
                DecidingKey = connection.KeyPath("account_key_env"),
                AccountName = name.Trim(),
                AccountKey = connection.GetFromEnvironment("account_key_env", required: true),
            };
        }

        if (connection.Has("sas_token_env"))
            return new()
            {
                Method = AzureAuthMethod.SasToken,
                DecidingKey = connection.KeyPath("sas_token_env"),
                SasToken = connection.GetFromEnvironment("sas_token_env", required: true)!.Trim().TrimStart('?'),
            };

        string[] principalKeys = ["tenant_id_env", "client_id_env", "client_secret_env"];
        if (principalKeys.Any(connection.Has))
        {
            var missing = principalKeys.Where(k => !connection.Has(k)).ToList();
            if (missing.Count > 0)
                throw connection.Error(missing[0],
                    $"Service principal authentication needs all of {string.Join(", ", principalKeys.Select(connection.KeyPath))}; missing: {string.Join(", ", missing.Select(connection.KeyPath))}.");
            return new()
            {
                Method = AzureAuthMethod.ServicePrincipal,
                DecidingKey = connection.KeyPath("client_secret_env"),
                TenantId = connection.GetFromEnvironment("tenant_id_env", required: true),
                ClientId = connection.GetFromEnvironment("client_id_env", required: true),
                ClientSecret = connection.GetFromEnvironment("client_secret_env", required: true),
            };
        }

        if (connection.GetBool("use_managed_identity") == true)
            return new()
            {
                Method = AzureAuthMethod.ManagedIdentity,
                DecidingKey = connection.KeyPath("use_managed_identity"),
                ManagedIdentityClientId = connection.GetString("managed_identity_client_id")?.Trim(),
            };

        throw new ConfigException(
            $"The section '{SectionPath}' does not say how to authenticate to Azure. Set one of these, first match wins: {OptionsText}.",
            SectionPath, connection.File, connection.Line);
    }
}
