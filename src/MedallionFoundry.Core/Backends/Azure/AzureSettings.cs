using Azure.Storage.Blobs;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Azure;

/// <summary>Everything the Azure backend reads from the platform config, validated up front.</summary>
public sealed class AzureSettings
{
    public const int DefaultMaxConcurrency = 4;
    public const long DefaultTransferSize = 4L << 20;
    public const long DefaultInitialTransferSize = 8L << 20;

    /// <summary>platform.bronze.azure_storage_account (may be null with a connection string or account_url).</summary>
    public string? AccountName { get; init; }

    public required string Container { get; init; }

    /// <summary>Normalised azure_prefix ("" for none).</summary>
    public string Prefix { get; init; } = "";

    public required AzureAuthSelection Auth { get; init; }

    /// <summary>account_url: endpoint override (Azurite, sovereign clouds, private endpoints). Not used with a connection string.</summary>
    public Uri? AccountUrl { get; init; }

    public bool CreateContainer { get; init; }

    /// <summary>Pinned service version; null = the SDK's default.</summary>
    public BlobClientOptions.ServiceVersion? ServiceVersion
    {
        get => _serviceVersion is { } version ? (BlobClientOptions.ServiceVersion)version : null;
        init => _serviceVersion = value is { } version ? (int)version : null;
    }

    // Held as an int: a field of the SDK's enum type would load Azure.Storage.Blobs whenever this type is
    // (Import-Module registers Core's public type names), long before any Azure connection.
    readonly int? _serviceVersion;

    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency;

    /// <summary>transfer_size: the block size of uploads (and the smallest range of parallel downloads).</summary>
    public long TransferSize { get; init; } = DefaultTransferSize;

    /// <summary>Whether uploads grow the block with the file (transfer_size not set; see <see cref="PartSizes"/>).</summary>
    public bool TransferSizeGrowsWithFile { get; init; }

    /// <summary>A block blob holds at most this many blocks.</summary>
    public const int MaxBlocks = 50_000;

    /// <summary>The block size of a block upload of <paramref name="size"/> bytes.</summary>
    public long BlockSizeFor(long size) => PartSizes.ForUpload(size, TransferSize, TransferSizeGrowsWithFile, MaxConcurrency, MaxBlocks);

    public long InitialTransferSize { get; init; } = DefaultInitialTransferSize;

    /// <summary>platform.bronze.stall_timeout (see ResilienceSettings): a request with no bytes moving this long fails.</summary>
    public TimeSpan StallTimeout { get; init; } = Resilience.ResilienceSettings.DefaultStallTimeout;

    /// <summary>Reads and validates the Azure settings (options declared in <see cref="AzureOptions"/>).</summary>
    public static AzureSettings FromConfig(PlatformConfig config)
    {
        var platform = config.Platform;
        var bronze = config.Bronze;
        var connection = platform.Find(AzureOptions.Connection);
        var account = platform.String(AzureOptions.Account)?.Trim();
        if (account is { Length: 0 }) account = null;
        var container = platform.String(AzureOptions.Container)!.Trim();
        ValidateContainerName(bronze, container);

        var auth = AzureAuthSelector.Select(connection, account);
        ValidateCredential(connection!, auth);
        var settings = new AzureSettings
        {
            AccountName = account,
            Container = container,
            Prefix = RemotePath.NormalizeConfiguredPrefix(platform.String(AzureOptions.Prefix)),
            Auth = auth,
            AccountUrl = ReadAccountUrl(platform, connection!),
            CreateContainer = platform.Bool(AzureOptions.CreateContainer)!.Value,
            ServiceVersion = ReadServiceVersion(platform, connection!),
            MaxConcurrency = platform.Int(AzureOptions.MaxConcurrency)!.Value,
            TransferSize = platform.Size(AzureOptions.TransferSize)!.Value,
            TransferSizeGrowsWithFile = !platform.IsSet(AzureOptions.TransferSize),
            InitialTransferSize = platform.Size(AzureOptions.InitialTransferSize)!.Value,
            StallTimeout = Resilience.ResilienceSettings.ReadStallTimeout(bronze),
        };

        if (auth.Method is not AzureAuthMethod.ConnectionString and not AzureAuthMethod.AccountKey
            && settings.AccountUrl is null && settings.AccountName is null)
            throw bronze.Error(AzureOptions.Account.Key,
                $"The key '{AzureOptions.Account.FullKey}' (or '{AzureOptions.AccountUrl.FullKey}') is required with {auth.Method} authentication.");
        return settings;
    }

    /// <summary>A connection string the SDK cannot parse, or an account key that is not base64, is a
    /// config error naming the key and the variable; never the value, nor the SDK's exception (which may quote it).</summary>
    static void ValidateCredential(ConfigSection connection, AzureAuthSelection auth)
    {
        switch (auth.Method)
        {
            case AzureAuthMethod.ConnectionString:
                try { _ = new BlobServiceClient(auth.ConnectionString); }
                catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException or InvalidOperationException)
                {
                    throw connection.Error(AzureOptions.ConnectionStringEnv.Key,
                        $"The key '{AzureOptions.ConnectionStringEnv.FullKey}': {connection.DescribeVariable(AzureOptions.ConnectionStringEnv.Key)} is not a valid Azure Storage connection string (AccountName=...;AccountKey=... or BlobEndpoint=...;SharedAccessSignature=...).");
                }
                break;
            case AzureAuthMethod.AccountKey:
                var key = auth.AccountKey!.Trim();
                if (!Convert.TryFromBase64String(key, new byte[key.Length], out _))
                    throw connection.Error(AzureOptions.AccountKeyEnv.Key,
                        $"The key '{AzureOptions.AccountKeyEnv.FullKey}': {connection.DescribeVariable(AzureOptions.AccountKeyEnv.Key)} is not an account key (a base64 string, as the portal shows it).");
                break;
        }
    }

    /// <summary>The blob endpoint for methods other than a connection string.</summary>
    public Uri ServiceUri(string accountName) =>
        AccountUrl ?? new Uri($"https://{accountName}.blob.core.windows.net");

    static void ValidateContainerName(ConfigSection bronze, string container)
    {
        // Azure's rule: 3-63 characters, lower-case letters, digits and single hyphens, starting with a letter or digit.
        var valid = container.Length is >= 3 and <= 63
            && container.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')
            && container[0] != '-' && container[^1] != '-' && !container.Contains("--");
        if (!valid && container != "$root")
            throw bronze.Error(AzureOptions.Container.Key,
                $"The key '{AzureOptions.Container.FullKey}' has '{container}', which is not a valid container name (3-63 lower-case letters, digits and single hyphens).");
    }

    static Uri? ReadAccountUrl(ConfigSection platform, ConfigSection connection)
    {
        var option = AzureOptions.AccountUrl;
        var text = platform.String(option)?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            throw connection.Error(option.Key, $"The key '{option.FullKey}' must be an http(s) URL such as https://myaccount.blob.core.windows.net.");
        if (uri.Query.Length > 0)
            throw connection.Error(option.Key, $"The key '{option.FullKey}' must not contain a query string: put a SAS token in {AzureOptions.SasTokenEnv.Key}.");
        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    static BlobClientOptions.ServiceVersion? ReadServiceVersion(ConfigSection platform, ConfigSection connection)
    {
        var option = AzureOptions.ServiceVersion;
        var text = platform.String(option)?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (Enum.TryParse<BlobClientOptions.ServiceVersion>("V" + text.Replace('-', '_'), ignoreCase: false, out var version)
            && Enum.IsDefined(version))
            return version;
        var known = Enum.GetNames<BlobClientOptions.ServiceVersion>().TakeLast(6).Select(n => n[1..].Replace('_', '-'));
        throw connection.Error(option.Key,
            $"The key '{option.FullKey}' has '{text}', which this module's Azure SDK does not know. Recent versions: {string.Join(", ", known)}.");
    }
}
