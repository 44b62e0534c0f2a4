using System.Management.Automation;
using System.Net;
using System.Security;
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
public sealed class ConnectBronzeStorageCommand : BronzeCmdlet, IDynamicParameters
{
    const string ConfigSet = "ConfigFile";
    const string ParameterSet = "Parameters";

    /// <summary>Path of a platform YAML file (platform.bronze...).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string ConfigPath { get; set; } = "";

    /// <summary>Backend name: Local, S3, Azure, Sftp or a registered custom backend.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSet)]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Backend { get; set; } = "";

    /// <summary>Local backend: the root folder. SFTP: the root folder on the server.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>S3: the bucket.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? Bucket { get; set; }

    /// <summary>S3, Azure and SFTP: key prefix every remote path is placed under.</summary>
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

    /// <summary>S3: access key (user name) and secret key (password). SFTP: login name and password.</summary>
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

    /// <summary>Azure: connection string, as a SecureString (a plain string or a PSCredential's password is accepted too).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [SecretArgumentTransformation]
    [ValidateNotNull]
    public SecureString? ConnectionString { get; set; }

    /// <summary>Azure: SAS token, as a SecureString (a plain string or a PSCredential's password is accepted too).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [SecretArgumentTransformation]
    [ValidateNotNull]
    public SecureString? SasToken { get; set; }

    /// <summary>Azure: account key (shared-key authentication, with -Account), as a SecureString or a PSCredential.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [SecretArgumentTransformation]
    [ValidateNotNull]
    public SecureString? AccountKey { get; set; }

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

    /// <summary>SFTP: host name or address of the server.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    /// <summary>SFTP: TCP port (default 22).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    public int Port { get; set; }

    /// <summary>SFTP: the login name, for a key login (with a password, give -Credential instead).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    /// <summary>SFTP: path of the private key file to log in with.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? PrivateKeyPath { get; set; }

    /// <summary>SFTP: the private key's passphrase, as a SecureString (a plain string or a PSCredential's password is accepted too).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [SecretArgumentTransformation]
    [ValidateNotNull]
    public SecureString? PrivateKeyPassphrase { get; set; }

    /// <summary>SFTP: the known_hosts file the server's host key must be listed in (default ~/.ssh/known_hosts).</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? KnownHostsPath { get; set; }

    /// <summary>SFTP: the expected host key fingerprint (SHA256:..., as ssh-keygen -lf prints it), instead of known_hosts.</summary>
    [Parameter(ParameterSetName = ParameterSet)]
    [ValidateNotNullOrEmpty]
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Attempts per operation, the first included (overrides platform.bronze.retry.max_attempts).</summary>
    [Parameter]
    public int MaxAttempts { get; set; }

    /// <summary>Seconds before the first retry; doubles each retry (retry.base_delay).</summary>
    [Parameter]
    public double RetryBaseDelaySeconds { get; set; }

    /// <summary>Longest wait between retries, in seconds (retry.max_delay).</summary>
    [Parameter]
    public double RetryMaxDelaySeconds { get; set; }

    /// <summary>Failures in a row that open the circuit; 0 turns it off (circuit_breaker.failure_threshold).</summary>
    [Parameter]
    public int CircuitBreakerThreshold { get; set; }

    /// <summary>Seconds an open circuit fails calls fast (circuit_breaker.break_duration).</summary>
    [Parameter]
    public double CircuitBreakSeconds { get; set; }

    /// <summary>Requests per second across the connection (rate_limit.requests_per_second).</summary>
    [Parameter]
    public double RequestsPerSecond { get; set; }

    /// <summary>Requests allowed at once before the rate applies (rate_limit.burst).</summary>
    [Parameter]
    public int Burst { get; set; }

    /// <summary>Seconds one attempt of a list, stat or delete may take (timeout).</summary>
    [Parameter]
    public double TimeoutSeconds { get; set; }

    /// <summary>Seconds one attempt of an upload or download may take (transfer_timeout; default none).</summary>
    [Parameter]
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

    /// <summary>Parameters of the chosen backend's options that have no static parameter (custom backends,
    /// new backends): they appear, and tab-complete, once -Backend is given. Enum options complete their values.</summary>
    public object? GetDynamicParameters()
    {
        if (string.IsNullOrWhiteSpace(Backend) || !BackendRegistry.Default.TryGet(Backend.Trim(), out var descriptor)) return null;
        var parameters = new RuntimeDefinedParameterDictionary();
        foreach (var name in OptionParameters.For(descriptor).Where(n => StaticParameters.Value.All(p => !p.Equals(n, StringComparison.OrdinalIgnoreCase))))
        {
            var option = descriptor.AllOptions.First(o => string.Equals(o.Parameter, name, StringComparison.OrdinalIgnoreCase));
            var parameter = new ParameterAttribute { ParameterSetName = ParameterSet };
            if (option.Help.Length > 0) parameter.HelpMessage = option.Help;
            var attributes = new System.Collections.ObjectModel.Collection<Attribute> { parameter };
            if (option.Type == OptionType.Enum) attributes.Add(new ValidateSetAttribute(option.Allowed.ToArray()) { IgnoreCase = true });
            if (option.Sensitive) attributes.Add(new SecretArgumentTransformationAttribute());
            var type = option.Sensitive ? typeof(SecureString) : option.Type switch
            {
                OptionType.Int => typeof(int),
                OptionType.Number or OptionType.Duration => typeof(double),
                OptionType.Bool => typeof(SwitchParameter),
                _ => typeof(string),
            };
            parameters.Add(name, new RuntimeDefinedParameter(name, type, attributes));
        }
        return parameters;
    }

    static readonly Lazy<string[]> StaticParameters = new(() =>
        typeof(ConnectBronzeStorageCommand).GetProperties().Where(p => p.IsDefined(typeof(ParameterAttribute), true)).Select(p => p.Name)
            .Concat(["Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
                "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable"]).ToArray());

    protected override void EndProcessing()
    {
        BronzeStore store;
        PlatformConfig config;
        try
        {
            config = ParameterSetName == ConfigSet
                ? PlatformConfig.Load(GetUnresolvedProviderPathFromPSPath(ConfigPath))
                : PlatformConfig.FromValues(new Dictionary<string, object?> { [SharedOptions.StorageBackend.Key] = Backend.Trim().ToLowerInvariant() });
            config.BaseDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            // Parameters go through the option table into the config, so the binder reads them like YAML values.
            var descriptor = BackendRegistry.Default.Select(config);
            config = OptionParameters.Apply(config, descriptor, ParameterValues(descriptor), BackendRegistry.Default);
            store = BronzeStoreFactory.Create(config, Name, verbose: WriteVerbose);
        }
        catch (ConfigException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "ConnectBronzeStorageInvalidConfiguration", ErrorCategory.InvalidData, ex.Key ?? ex.Parameter ?? ConfigPath));
            return;
        }
        catch (ParameterNotApplicableException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "ConnectBronzeStorageParameterNotApplicable", ErrorCategory.InvalidArgument, ex.Parameter));
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
        Provider.BronzeDrives.Mount(this, Name);
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

    /// <summary>The bound parameters as plain values for <see cref="OptionParameters"/>: credentials and
    /// secure strings opened (only in memory, never into the config), switches as booleans, -Path resolved
    /// through the PowerShell provider. Parameters no option declares are this cmdlet's own and are ignored there.</summary>
    Dictionary<string, object?> ParameterValues(BackendDescriptor descriptor)
    {
        // -Path is a local folder for the local backend (resolved through the provider), a folder on the server for SFTP.
        var pathIsLocal = descriptor.AllOptions.Any(o => o.Parameter == nameof(Path) && o.Type == OptionType.Path);
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in MyInvocation.BoundParameters)
        {
            values[name] = value switch
            {
                PSCredential credential => new NetworkCredential(credential.UserName, credential.Password),
                SecureString secure => new NetworkCredential("", secure).Password,
                SwitchParameter flag => flag.IsPresent,
                string path when name == nameof(Path) && pathIsLocal => GetUnresolvedProviderPathFromPSPath(path),
                _ => value,
            };
        }
        return values;
    }
}
