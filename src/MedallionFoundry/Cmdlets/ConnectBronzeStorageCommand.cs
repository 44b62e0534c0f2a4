using System.Management.Automation;
using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Connects to bronze storage from a platform YAML file or from parameters, and makes the
/// connection current. The backend client is created once here and reused by every later call.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "BronzeStorage", DefaultParameterSetName = ConfigSet)]
[OutputType(typeof(BronzeStorageInfo))]
public sealed class ConnectBronzeStorageCommand : BronzeCmdlet
{
    const string ConfigSet = "ConfigFile";
    const string ParameterSet = "Parameters";

    /// <summary>Path of a platform YAML file (platform.bronze...).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string ConfigPath { get; set; } = "";

    /// <summary>Backend name: Local, S3, Azure or a registered custom backend.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSet)]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Backend { get; set; } = "";

    /// <summary>Local backend: the root folder.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>S3: the bucket.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Bucket { get; set; }

    /// <summary>S3 and Azure: key prefix every remote path is placed under.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    public string? Prefix { get; set; }

    /// <summary>S3: endpoint of an S3-compatible store (MinIO, Ceph...). Omit for AWS.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    /// <summary>S3: region (default us-east-1).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>S3: access key (user name) and secret key (password).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Azure: storage account name.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Account { get; set; }

    /// <summary>Azure: container.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Container { get; set; }

    /// <summary>Azure: connection string.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>Azure: SAS token.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? SasToken { get; set; }

    /// <summary>Azure: authenticate with a managed identity / the default credential chain.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    public SwitchParameter UseManagedIdentity { get; set; }

    /// <summary>Azure: endpoint override (Azurite, sovereign clouds, private endpoints).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? AccountUrl { get; set; }

    /// <summary>Azure: create the container when it does not exist (off by default).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    public SwitchParameter CreateContainer { get; set; }

    /// <summary>Name of this connection (default "default"). Several can be open; the last is current.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "default";

    /// <summary>Output the connection.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        PlatformConfig config;
        try
        {
            config = ParameterSetName == ConfigSet ? LoadFile() : FromParameters();
            config.BaseDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        }
        catch (ConfigException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "ConnectBronzeStorageInvalidConfiguration", ErrorCategory.InvalidData, ex.Key ?? ConfigPath));
            return;
        }

        BronzeStore store;
        try
        {
            store = BronzeStoreFactory.Create(config, Name);
        }
        catch (ConfigException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "ConnectBronzeStorageInvalidConfiguration", ErrorCategory.InvalidData, ex.Key));
            return;
        }
        catch (StorageException ex)
        {
            ThrowTerminatingError(ErrorFor(ex, ex.Path));
            return;
        }

        var connection = new BronzeConnection(Name, store, config.SourceFile, DateTimeOffset.Now);
        BronzeConnections.Add(connection);
        WriteVerbose($"Connected '{Name}' to {store.BackendType} storage at {store.Backend.Location}.");
        if (PassThru) WriteObject(BronzeStorageInfo.From(connection));
    }

    PlatformConfig LoadFile()
    {
        var resolved = GetUnresolvedProviderPathFromPSPath(ConfigPath);
        return PlatformConfig.Load(resolved);
    }

    /// <summary>Maps parameters onto the YAML schema, so both forms go through the same validation.
    /// Secrets never enter the config: they are handed over as a private environment.</summary>
    PlatformConfig FromParameters()
    {
        var backend = Backend.Trim().ToLowerInvariant();
        var bronze = new Dictionary<string, object?> { ["storage_backend"] = backend };
        var connection = new Dictionary<string, object?>();
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);

        void Secret(string key, string parameter, string? value)
        {
            if (value is null) return;
            var name = $"(Connect-BronzeStorage -{parameter})";
            secrets[name] = value;
            connection[key] = name;
        }

        switch (backend)
        {
            case "local":
                if (Path is not null) bronze["local_path"] = GetUnresolvedProviderPathFromPSPath(Path);
                break;
            case "s3":
                bronze["s3_bucket"] = Bucket;
                bronze["s3_prefix"] = Prefix ?? "";
                if (EndpointUrl is not null) connection["endpoint_url"] = EndpointUrl;
                if (Region is not null) connection["region"] = Region;
                Secret("access_key_env", "Credential user name", Credential?.UserName);
                Secret("secret_key_env", "Credential password", Credential?.GetNetworkCredential().Password);
                break;
            case "azure":
                bronze["azure_storage_account"] = Account;
                bronze["azure_container"] = Container;
                bronze["azure_prefix"] = Prefix ?? "";
                Secret("connection_string_env", "ConnectionString", ConnectionString);
                Secret("sas_token_env", "SasToken", SasToken);
                if (UseManagedIdentity) connection["use_managed_identity"] = "true";
                if (AccountUrl is not null) connection["account_url"] = AccountUrl;
                if (CreateContainer) connection["create_container"] = "true";
                break;
            default:
                if (Path is not null) bronze["path"] = Path;
                if (Prefix is not null) bronze["prefix"] = Prefix;
                break;
        }

        var sections = new Dictionary<string, IDictionary<string, object?>>();
        if (connection.Count > 0 || backend is "s3" or "azure")
            sections[$"{backend}_connection"] = connection;
        return PlatformConfig.FromValues(bronze, sections,
            name => secrets.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name));
    }
}
