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
    public const string SectionPath = AzureOptions.Connection;

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

        if (connection.Has(AzureOptions.ConnectionStringEnv.Key))
            return new()
            {
                Method = AzureAuthMethod.ConnectionString,
                DecidingKey = AzureOptions.ConnectionStringEnv.FullKey,
                ConnectionString = connection.String(AzureOptions.ConnectionStringEnv),
            };

        if (connection.Has(AzureOptions.AccountKeyEnv.Key) || connection.Has(AzureOptions.AccountNameEnv.Key))
        {
            if (!connection.Has(AzureOptions.AccountKeyEnv.Key))
                throw connection.Error(AzureOptions.AccountKeyEnv.Key,
                    $"The key '{AzureOptions.AccountNameEnv.FullKey}' is set, so '{AzureOptions.AccountKeyEnv.FullKey}' must name the variable holding the account key.");
            var name = connection.Has(AzureOptions.AccountNameEnv.Key)
                ? connection.String(AzureOptions.AccountNameEnv)
                : configuredAccount;
            if (string.IsNullOrWhiteSpace(name))
                throw connection.Error(AzureOptions.AccountNameEnv.Key,
                    $"Shared-key authentication needs the account name: set '{AzureOptions.AccountNameEnv.FullKey}' or '{AzureOptions.Account.FullKey}'.");
            return new()
            {
                Method = AzureAuthMethod.AccountKey,
                DecidingKey = AzureOptions.AccountKeyEnv.FullKey,
                AccountName = name.Trim(),
                AccountKey = connection.String(AzureOptions.AccountKeyEnv),
            };
        }

        if (connection.Has(AzureOptions.SasTokenEnv.Key))
            return new()
            {
                Method = AzureAuthMethod.SasToken,
                DecidingKey = AzureOptions.SasTokenEnv.FullKey,
                SasToken = connection.String(AzureOptions.SasTokenEnv)!.Trim().TrimStart('?'),
            };

        string[] principalKeys = [AzureOptions.TenantIdEnv.Key, AzureOptions.ClientIdEnv.Key, AzureOptions.ClientSecretEnv.Key];
        if (principalKeys.Any(connection.Has))
        {
            var missing = principalKeys.Where(k => !connection.Has(k)).ToList();
            if (missing.Count > 0)
                throw connection.Error(missing[0],
                    $"Service principal authentication needs all of {string.Join(", ", principalKeys.Select(connection.KeyPath))}; missing: {string.Join(", ", missing.Select(connection.KeyPath))}.");
            return new()
            {
                Method = AzureAuthMethod.ServicePrincipal,
                DecidingKey = AzureOptions.ClientSecretEnv.FullKey,
                TenantId = connection.String(AzureOptions.TenantIdEnv),
                ClientId = connection.String(AzureOptions.ClientIdEnv),
                ClientSecret = connection.String(AzureOptions.ClientSecretEnv),
            };
        }

        if (connection.GetBool(AzureOptions.UseManagedIdentity.Key) == true)
            return new()
            {
                Method = AzureAuthMethod.ManagedIdentity,
                DecidingKey = AzureOptions.UseManagedIdentity.FullKey,
                ManagedIdentityClientId = connection.GetString(AzureOptions.ManagedIdentityClientId.Key)?.Trim(),
            };

        throw new ConfigException(
            $"The section '{SectionPath}' does not say how to authenticate to Azure. Set one of these, first match wins: {OptionsText}.",
            SectionPath, connection.File, connection.Line);
    }
}
