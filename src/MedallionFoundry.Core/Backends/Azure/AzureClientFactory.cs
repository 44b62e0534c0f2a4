using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace MedallionFoundry.Backends.Azure;

/// <summary>Creates the container client for the chosen authentication method.</summary>
internal static class AzureClientFactory
{
    /// <summary>Options for the client that talks to the service.</summary>
    public static BlobClientOptions ServiceOptions(AzureSettings settings, HttpPipelinePolicy? extraPolicy)
    {
        var options = NewOptions(settings);
        // The resilience layer (OperationRunner) owns retrying; the SDK only smooths over a
        // dropped connection or a brief 503 so one blip does not cost a whole runner attempt.
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        // No bytes moving for stall_timeout fails a request: that is the one idle limit, for the wait for an
        // answer and for every read of its body. The SDK's own (NetworkTimeout, 100 s) is off: it would cut a
        // longer stall_timeout short, and it wraps each body in one more stream that arms a timer and links a
        // token on every read (~1.7 MiB of garbage and a timer change per read in a 512 MiB download).
        options.Retry.NetworkTimeout = Timeout.InfiniteTimeSpan;
        options.Transport = new HttpClientTransport(Http.StallTimeoutHandler.CreateClient(settings.StallTimeout));
        options.AddPolicy(new BatchSendPolicy(), HttpPipelinePosition.PerCall);
        if (extraPolicy is not null) options.AddPolicy(extraPolicy, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>Options for the client whose requests are captured (signed, never sent) as batch sub-requests.</summary>
    public static BlobClientOptions CaptureOptions(AzureSettings settings)
    {
        var options = NewOptions(settings);
        options.Transport = new RequestCaptureTransport();
        options.Retry.MaxRetries = 0;
        options.Diagnostics.IsDistributedTracingEnabled = false;
        options.Diagnostics.IsLoggingEnabled = false;
        options.Diagnostics.IsTelemetryEnabled = false;
        options.AddPolicy(new RemoveVersionHeaderPolicy(), HttpPipelinePosition.PerCall);
        return options;
    }

    static BlobClientOptions NewOptions(AzureSettings settings) =>
        settings.ServiceVersion is { } version ? new BlobClientOptions(version) : new BlobClientOptions();

    public static BlobContainerClient Create(AzureSettings settings, BlobClientOptions options)
    {
        var auth = settings.Auth;
        return auth.Method switch
        {
            AzureAuthMethod.ConnectionString => new BlobContainerClient(auth.ConnectionString, settings.Container, options),
            AzureAuthMethod.AccountKey => new BlobContainerClient(ContainerUri(settings, auth.AccountName!),
                new StorageSharedKeyCredential(auth.AccountName, auth.AccountKey), options),
            AzureAuthMethod.SasToken => new BlobContainerClient(ContainerUri(settings, settings.AccountName!),
                new AzureSasCredential(auth.SasToken!), options),
            AzureAuthMethod.ServicePrincipal => new BlobContainerClient(ContainerUri(settings, settings.AccountName!),
                new ClientSecretCredential(auth.TenantId, auth.ClientId, auth.ClientSecret), options),
            AzureAuthMethod.ManagedIdentity => new BlobContainerClient(ContainerUri(settings, settings.AccountName!),
                ManagedIdentityCredential(auth), options),
            _ => throw new InvalidOperationException($"Unknown Azure authentication method {auth.Method}."),
        };
    }

    /// <summary>The default chain: managed identity on Azure hosts, workload identity, environment
    /// and developer sign-ins elsewhere. Never interactive (scripts and pipelines must not prompt).</summary>
    static TokenCredential ManagedIdentityCredential(AzureAuthSelection auth) =>
        new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = auth.ManagedIdentityClientId,
            ExcludeInteractiveBrowserCredential = true,
        });

    static Uri ContainerUri(AzureSettings settings, string accountName)
    {
        // An account_url override keeps its path (Azurite: http://127.0.0.1:10000/devstoreaccount1).
        var service = settings.ServiceUri(accountName).ToString().TrimEnd('/');
        return new Uri($"{service}/{settings.Container}");
    }
}
