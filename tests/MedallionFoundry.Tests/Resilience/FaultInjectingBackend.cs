using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Resilience;

/// <summary>
/// Wraps a real backend and fails chosen calls before they reach it: for faults no server can be
/// asked to produce on demand (a given error on a given attempt, a slow call).
/// </summary>
public sealed class FaultInjectingBackend(StorageBackend inner, Func<string, int, Exception?> fault, TimeSpan? delay = null) : StorageBackend
{
    int _calls;

    /// <summary>Calls that reached this backend (every attempt counts).</summary>
    public int Calls => _calls;

    public override string BackendType => inner.BackendType;

    public override string Location => inner.Location;

    async Task Gate(string operation, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        if (delay is { } d) await Task.Delay(d, cancellationToken);
        if (fault(operation, call) is { } error) throw error;
    }

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        await Gate("upload", cancellationToken);
        return await inner.UploadAsync(key, content, options, cancellationToken);
    }

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        await Gate("download", cancellationToken);
        return await inner.DownloadAsync(key, destination, options, cancellationToken);
    }

    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        await Gate("list", cancellationToken);
        return await inner.ListPageAsync(keyPrefix, options, continuationToken, cancellationToken);
    }

    public override async Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        await Gate("stat", cancellationToken);
        return await inner.StatAsync(key, cancellationToken);
    }

    public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await Gate("delete", cancellationToken);
        await inner.DeleteAsync(key, cancellationToken);
    }
}
