using System.Globalization;
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
    public BlobClientOptions.ServiceVersion? ServiceVersion { get; init; }

    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency;

    public long TransferSize { get; init; } = DefaultTransferSize;

    public long InitialTransferSize { get; init; } = DefaultInitialTransferSize;

    /// <summary>platform.bronze.stall_timeout (see ResilienceSettings): a request with no bytes moving this long fails.</summary>
    public TimeSpan StallTimeout { get; init; } = Resilience.ResilienceSettings.DefaultStallTimeout;

    public static AzureSettings FromConfig(PlatformConfig config)
    {
        var bronze = config.Bronze;
        var connection = config.Section("azure_connection");
        var account = bronze.GetString("azure_storage_account")?.Trim();
        if (account is { Length: 0 }) account = null;
        var container = bronze.GetString("azure_container", required: true)!.Trim();
        ValidateContainerName(bronze, container);

        var auth = AzureAuthSelector.Select(connection, account);
        var settings = new AzureSettings
        {
            AccountName = account,
            Container = container,
            Prefix = RemotePath.NormalizeConfiguredPrefix(bronze.GetString("azure_prefix")),
            Auth = auth,
            AccountUrl = ReadAccountUrl(connection!),
            CreateContainer = connection!.GetBool("create_container") ?? false,
            ServiceVersion = ReadServiceVersion(connection),
            MaxConcurrency = connection.GetInt("max_concurrency", 1, 64) ?? DefaultMaxConcurrency,
            TransferSize = ReadSize(connection, "transfer_size", 64L << 10, 4000L << 20) ?? DefaultTransferSize,
            InitialTransferSize = ReadSize(connection, "initial_transfer_size", 64L << 10, 5000L << 20) ?? DefaultInitialTransferSize,
            StallTimeout = Resilience.ResilienceSettings.ReadStallTimeout(bronze),
        };

        if (auth.Method is not AzureAuthMethod.ConnectionString and not AzureAuthMethod.AccountKey
            && settings.AccountUrl is null && settings.AccountName is null)
            throw bronze.Error("azure_storage_account",
                $"The key 'platform.bronze.azure_storage_account' (or '{AzureAuthSelector.SectionPath}.account_url') is required with {auth.Method} authentication.");
        return settings;
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
            throw bronze.Error("azure_container",
                $"The key 'platform.bronze.azure_container' has '{container}', which is not a valid container name (3-63 lower-case letters, digits and single hyphens).");
    }

    static Uri? ReadAccountUrl(ConfigSection connection)
    {
        var text = connection.GetString("account_url")?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            throw connection.Error("account_url", $"The key '{connection.KeyPath("account_url")}' must be an http(s) URL such as https://myaccount.blob.core.windows.net.");
        if (uri.Query.Length > 0)
            throw connection.Error("account_url", $"The key '{connection.KeyPath("account_url")}' must not contain a query string: put a SAS token in sas_token_env.");
        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    static BlobClientOptions.ServiceVersion? ReadServiceVersion(ConfigSection connection)
    {
        var text = connection.GetString("service_version")?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (Enum.TryParse<BlobClientOptions.ServiceVersion>("V" + text.Replace('-', '_'), ignoreCase: false, out var version)
            && Enum.IsDefined(version))
            return version;
        var known = Enum.GetNames<BlobClientOptions.ServiceVersion>().TakeLast(6).Select(n => n[1..].Replace('_', '-'));
        throw connection.Error("service_version",
            $"The key '{connection.KeyPath("service_version")}' has '{text}', which this module's Azure SDK does not know. Recent versions: {string.Join(", ", known)}.");
    }

    /// <summary>A byte size: "8388608", "8MiB", "8MB", "512KiB", "1GiB" (binary units for KB/MB/GB too).</summary>
    internal static long? ReadSize(ConfigSection section, string key, long min, long max)
    {
        var text = section.GetString(key)?.Trim();
        if (text is null) return null;
        var lower = text.ToLowerInvariant().Replace(" ", "");
        (string Suffix, long Scale)[] units = [("kib", 1L << 10), ("mib", 1L << 20), ("gib", 1L << 30), ("kb", 1L << 10), ("mb", 1L << 20), ("gb", 1L << 30), ("k", 1L << 10), ("m", 1L << 20), ("g", 1L << 30), ("b", 1)];
        long scale = 1;
        foreach (var (suffix, factor) in units)
        {
            if (!lower.EndsWith(suffix, StringComparison.Ordinal)) continue;
            lower = lower[..^suffix.Length];
            scale = factor;
            break;
        }
        if (!double.TryParse(lower, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || double.IsNaN(number))
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be a size in bytes or with a unit (e.g. 8MiB), not '{text}'.");
        var bytes = (long)(number * scale);
        if (bytes < min || bytes > max)
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be between {min} and {max} bytes, not {text}.");
        return bytes;
    }
}
