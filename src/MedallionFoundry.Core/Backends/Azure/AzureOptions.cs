using MedallionFoundry.Config;

namespace MedallionFoundry.Backends.Azure;

/// <summary>The Azure backend's options, declared once (see <see cref="OptionDeclaration"/>).</summary>
public static class AzureOptions
{
    public const string Connection = "platform.azure_connection";

    /// <summary>The credential forms: one of them must be set (first match wins, in this order).</summary>
    public const string CredentialGroup = "credential";

    public static readonly OptionDeclaration Account = new()
    {
        Key = "azure_storage_account", Parameter = "Account",
        Help = "Account name; needed for SAS, service principal and managed identity unless account_url is given.",
    };

    public static readonly OptionDeclaration Container = new()
    {
        Key = "azure_container", Required = true, Parameter = "Container",
        Help = "Container name: 3-63 lower-case letters, digits and single hyphens.",
    };

    public static readonly OptionDeclaration Prefix = new()
    {
        Key = "azure_prefix", DefaultValue = "", DefaultText = "none", Parameter = "Prefix",
        Help = "Blob-name prefix for every remote path.",
    };

    public static readonly OptionDeclaration ConnectionStringEnv = new()
    {
        Key = "connection_string_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        OneOfGroup = CredentialGroup, Parameter = "ConnectionString", Help = "Variable holding a connection string.",
    };

    public static readonly OptionDeclaration AccountNameEnv = new()
    {
        Key = "account_name_env", Section = Connection, Type = OptionType.EnvVarName,
        Help = "Variable holding the account name (shared-key auth); falls back to azure_storage_account.",
    };

    public static readonly OptionDeclaration AccountKeyEnv = new()
    {
        Key = "account_key_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        OneOfGroup = CredentialGroup, Parameter = "AccountKey", Help = "Variable holding the account key (shared-key auth).",
    };

    public static readonly OptionDeclaration SasTokenEnv = new()
    {
        Key = "sas_token_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        OneOfGroup = CredentialGroup, Parameter = "SasToken", Help = "Variable holding a SAS token (with or without the leading '?').",
    };

    public static readonly OptionDeclaration TenantIdEnv = new()
    {
        Key = "tenant_id_env", Section = Connection, Type = OptionType.EnvVarName, Help = "Variable holding the service principal's tenant id.",
    };

    public static readonly OptionDeclaration ClientIdEnv = new()
    {
        Key = "client_id_env", Section = Connection, Type = OptionType.EnvVarName, Help = "Variable holding the service principal's client id.",
    };

    public static readonly OptionDeclaration ClientSecretEnv = new()
    {
        Key = "client_secret_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        OneOfGroup = CredentialGroup, Help = "Variable holding the service principal's secret (with tenant_id_env and client_id_env).",
    };

    public static readonly OptionDeclaration UseManagedIdentity = new()
    {
        Key = "use_managed_identity", Section = Connection, Type = OptionType.Bool, DefaultValue = false,
        OneOfGroup = CredentialGroup, Parameter = "UseManagedIdentity",
        Help = "true: managed identity through the default Azure credential chain (never interactive).",
    };

    public static readonly OptionDeclaration ManagedIdentityClientId = new()
    {
        Key = "managed_identity_client_id", Section = Connection, Help = "Client id of a user-assigned managed identity (not a secret).",
    };

    public static readonly OptionDeclaration AccountUrl = new()
    {
        Key = "account_url", Section = Connection, DefaultText = "https://{account}.blob.core.windows.net", Parameter = "AccountUrl",
        Help = "Endpoint override (Azurite, sovereign clouds, private endpoints); no query string.",
    };

    public static readonly OptionDeclaration CreateContainer = new()
    {
        Key = "create_container", Section = Connection, Type = OptionType.Bool, DefaultValue = false, Parameter = "CreateContainer",
        Help = "Create the container on the first upload if it is missing.",
    };

    public static readonly OptionDeclaration ServiceVersion = new()
    {
        Key = "service_version", Section = Connection, DefaultText = "the SDK's default",
        Help = "Pins the storage REST version, e.g. \"2026-06-06\" (quote it in YAML).",
    };

    public static readonly OptionDeclaration MaxConcurrency = new()
    {
        Key = "max_concurrency", Section = Connection, Type = OptionType.Int, DefaultValue = AzureSettings.DefaultMaxConcurrency, Min = 1, Max = 64,
        Help = "Parallel blocks/ranges per file.",
    };

    public static readonly OptionDeclaration TransferSize = new()
    {
        Key = "transfer_size", Section = Connection, Type = OptionType.Size, DefaultValue = AzureSettings.DefaultTransferSize,
        DefaultText = "4MiB, grown with the file", Min = 64L << 10, Max = 4000L << 20,
        Help = "Block size for uploads and the smallest range of parallel downloads. Not set: uploads grow it to about two blocks per request in flight, up to 256 MiB. Always grown when a file would need more than 50,000 blocks.",
    };

    public static readonly OptionDeclaration InitialTransferSize = new()
    {
        Key = "initial_transfer_size", Section = Connection, Type = OptionType.Size, DefaultValue = AzureSettings.DefaultInitialTransferSize,
        Min = 64L << 10, Max = 5000L << 20, Help = "Files up to this size go in one request, up and down.",
    };

    public static IReadOnlyList<OptionDeclaration> All { get; } =
    [
        Account, Container, Prefix, ConnectionStringEnv, AccountNameEnv, AccountKeyEnv, SasTokenEnv, TenantIdEnv, ClientIdEnv,
        ClientSecretEnv, UseManagedIdentity, ManagedIdentityClientId, AccountUrl, CreateContainer, ServiceVersion,
        MaxConcurrency, TransferSize, InitialTransferSize,
    ];
}
