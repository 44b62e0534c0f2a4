using System.Management.Automation;
using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
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

    /// <summary>Attempts per operation, the first included (overrides platform.bronze.retry.max_attempts).</summary>
    [Parameter]
    [ValidateRange(1, 20)]
    public int MaxAttempts { get; set; }

    /// <summary>Seconds before the first retry; doubles each retry (retry.base_delay).</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double RetryBaseDelaySeconds { get; set; }

    /// <summary>Longest wait between retries, in seconds (retry.max_delay).</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double RetryMaxDelaySeconds { get; set; }

    /// <summary>Failures in a row that open the circuit; 0 turns it off (circuit_breaker.failure_threshold).</summary>
    [Parameter]
    [ValidateRange(0, 10000)]
    public int CircuitBreakerThreshold { get; set; } = -1;

    /// <summary>Seconds an open circuit fails calls fast (circuit_breaker.break_duration).</summary>
    [Parameter]
    [ValidateRange(0.5, 86400.0)]
    public double CircuitBreakSeconds { get; set; }

    /// <summary>Requests per second across the connection (rate_limit.requests_per_second).</summary>
    [Parameter]
    [ValidateRange(0.001, 1000000.0)]
    public double RequestsPerSecond { get; set; }

    /// <summary>Requests allowed at once before the rate applies (rate_limit.burst).</summary>
    [Parameter]
    [ValidateRange(1, 100000)]
    public int Burst { get; set; }

    /// <summary>Seconds one attempt of a list, stat or delete may take (timeout).</summary>
    [Parameter]
    [ValidateRange(0.001, 86400.0)]
    public double TimeoutSeconds { get; set; }

    /// <summary>Seconds one attempt of an upload or download may take (transfer_timeout; default none).</summary>
    [Parameter]
    [ValidateRange(0.001, 604800.0)]
    public double TransferTimeoutSeconds { get; set; }

    /// <summary>Name of this connection (default "default"). Several can be open; the last is current.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "default";

    /// <summary>Do not check at connect time that the bucket, container or root exists and the credentials work.</summary>
    [Parameter]
    public SwitchParameter SkipCheck { get; set; }

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
            store = BronzeStoreFactory.Create(config, Name, resilience: ResilienceFromParameters(ResilienceSettings.FromConfig(config.Bronze)));
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

        if (!SkipCheck) CheckOrThrow(store);

        var connection = new BronzeConnection(Name, store, config.SourceFile, DateTimeOffset.Now);
        BronzeConnections.Add(connection);
        WriteVerbose($"Connected '{Name}' to {store.BackendType} storage at {store.Backend.Location}.");
        if (PassThru) WriteObject(BronzeStorageInfo.From(connection));
    }

    /// <summary>One cheap request, so a misspelled bucket or a wrong key fails here, not once per file later.</summary>
    void CheckOrThrow(BronzeStore store)
    {
        try
        {
            Await(store.CheckAsync(CancellationToken));
            foreach (var message in store.Runner.DrainMessages()) WriteVerbose(message);
        }
        catch (StorageException ex)
        {
            foreach (var message in store.Runner.DrainMessages()) WriteVerbose(message);
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            var record = ErrorFor(ex, ex.Path);
            record.ErrorDetails = new ErrorDetails($"{ex.Message} ({store.BackendType} storage at {store.Backend.Location}; Connect-BronzeStorage checks the connection, -SkipCheck skips that.)");
            ThrowTerminatingError(record);
        }
    }

    /// <summary>Parameters given on the command line win over the YAML values.</summary>
    ResilienceSettings ResilienceFromParameters(ResilienceSettings settings)
    {
        bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);
        if (Bound(nameof(MaxAttempts))) settings = settings with { MaxAttempts = MaxAttempts };
        if (Bound(nameof(RetryBaseDelaySeconds))) settings = settings with { BaseDelay = TimeSpan.FromSeconds(RetryBaseDelaySeconds) };
        if (Bound(nameof(RetryMaxDelaySeconds))) settings = settings with { MaxDelay = TimeSpan.FromSeconds(RetryMaxDelaySeconds) };
        if (Bound(nameof(CircuitBreakerThreshold))) settings = settings with { FailureThreshold = CircuitBreakerThreshold == 1 ? 2 : CircuitBreakerThreshold };
        if (Bound(nameof(CircuitBreakSeconds))) settings = settings with { BreakDuration = TimeSpan.FromSeconds(CircuitBreakSeconds) };
        if (Bound(nameof(RequestsPerSecond))) settings = settings with { RequestsPerSecond = RequestsPerSecond };
        if (Bound(nameof(Burst))) settings = settings with { Burst = Burst };
        if (Bound(nameof(TimeoutSeconds))) settings = settings with { Timeout = TimeSpan.FromSeconds(TimeoutSeconds) };
        if (Bound(nameof(TransferTimeoutSeconds))) settings = settings with { TransferTimeout = TimeSpan.FromSeconds(TransferTimeoutSeconds) };
        if (settings.MaxDelay < settings.BaseDelay) settings = settings with { MaxDelay = settings.BaseDelay };
        return settings;
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
                if (Path is not null) bronze["path"] = GetUnresolvedProviderPathFromPSPath(Path);
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
