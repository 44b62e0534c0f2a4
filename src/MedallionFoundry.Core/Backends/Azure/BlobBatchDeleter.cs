using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// Deletes up to 256 blobs with one Blob Batch request. Each sub-request is built and signed by an
/// SDK client whose transport only captures (so shared key, SAS and tokens all work); the batch
/// itself goes through the service client's pipeline. When the service does not support batch
/// (some account kinds, older emulators), it falls back to bounded parallel single deletes, and
/// remembers that for the rest of the session.
/// It also chooses by speed, per connection: every batch and every run of single deletes is timed
/// (seconds per blob). A batch has a time limit that grows with its size; one that runs out is
/// finished with single deletes and the batches get smaller. When batches cost clearly more per blob
/// than single deletes do (over twice; Azurite handles a batch's sub-requests one after another, each as slow as
/// a lone request on a big container), the rest goes as single deletes. A slow batch never fails the delete.
/// The times are read from <paramref name="clock"/> (the system's unless a test gives its own).
/// </summary>
internal sealed class BlobBatchDeleter(BlobContainerClient service, BlobContainerClient capture, string container,
    Func<string, CancellationToken, Task> deleteOne, TimeProvider? clock = null)
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    const int FallbackParallelism = 8;
    const int MinBatch = 16;

    /// <summary>Single deletes timed once to compare with slow batches.</summary>
    internal const int ProbeSize = 32;

    /// <summary>Batches slower than this per blob (a 256-blob batch over 5 s) get compared with single deletes.</summary>
    const double SlowBatchSecondsPerKey = 0.02;

    /// <summary>A batch's own time limit: a floor plus a share per blob (the runner's limit around the
    /// whole call scales the same way, see ResilientOperationRunner.BatchTimeoutPerItem).</summary>
    internal static TimeSpan BatchTimeout(int keys) => TimeSpan.FromSeconds(15 + 0.2 * keys);

    volatile bool _batchUnsupported;
    volatile bool _singlesFaster;
    int _batchSize = BlobBatchBody.MaxSubRequests;
    readonly object _gate = new();
    double? _batchSecondsPerKey, _singleSecondsPerKey;

    /// <summary>True once the service refused batch requests (then deletes go one by one).</summary>
    public bool BatchUnsupported => _batchUnsupported;

    /// <summary>True once single deletes proved faster than batches on this connection.</summary>
    public bool SinglesFaster => _singlesFaster;

    /// <summary>The size of the next batch (smaller after a batch ran out of time).</summary>
    public int BatchSize => Volatile.Read(ref _batchSize);

    public async Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return [];
        if (_batchUnsupported || _singlesFaster || keys.Count == 1) return await DeleteOneByOneAsync(keys, cancellationToken).ConfigureAwait(false);

        var failures = new List<DeleteFailure>();
        var done = 0;
        while (done < keys.Count)
        {
            var rest = Slice(keys, done, keys.Count - done);
            if (_batchUnsupported || _singlesFaster)
            {
                failures.AddRange(await DeleteOneByOneAsync(rest, cancellationToken).ConfigureAwait(false));
                break;
            }
            // Once batches look slow and singles were never timed, time a few singles to compare.
            if (_singleSecondsPerKey is null && _batchSecondsPerKey is { } perKey && perKey > SlowBatchSecondsPerKey)
            {
                var probe = Slice(keys, done, Math.Min(ProbeSize, rest.Count));
                failures.AddRange(await DeleteOneByOneAsync(probe, cancellationToken).ConfigureAwait(false));
                done += probe.Count;
                continue;
            }
            var chunk = Slice(keys, done, Math.Min(BatchSize, rest.Count));
            var started = _clock.GetTimestamp();
            var (result, timedOut) = await TryBatchAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (timedOut) Interlocked.Exchange(ref _batchSize, Math.Max(MinBatch, BatchSize / 2));
            if (timedOut || result is not null) Learn(ref _batchSecondsPerKey, _clock.GetElapsedTime(started), chunk.Count);
            failures.AddRange(result ?? await DeleteOneByOneAsync(chunk, cancellationToken).ConfigureAwait(false));
            done += chunk.Count;
        }
        return failures;
    }

    static IReadOnlyList<string> Slice(IReadOnlyList<string> keys, int start, int count) =>
        keys is string[] array ? new ArraySegment<string>(array, start, count) : keys.Skip(start).Take(count).ToList();

    void Learn(ref double? estimate, TimeSpan elapsed, int keys)
    {
        lock (_gate)
        {
            var perKey = elapsed.TotalSeconds / keys;
            estimate = estimate is { } previous ? (previous + perKey) / 2 : perKey;
            if (_batchSecondsPerKey is { } batch && _singleSecondsPerKey is { } single && batch > single * 2)
                _singlesFaster = true;
        }
    }

    /// <summary>The failures of one batch, or null when the batch could not be used (then fall back).</summary>
    async Task<(IReadOnlyList<DeleteFailure>? Failures, bool TimedOut)> TryBatchAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(BatchTimeout(keys.Count));
        try
        {
            return (await TryBatchCoreAsync(keys, limit.Token).ConfigureAwait(false), false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (limit.IsCancellationRequested || IsStall(ex)))
        {
            return (null, true); // too slow: the caller finishes these keys one by one and shrinks the batches
        }
    }

    static bool IsStall(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is Http.StallTimeoutException) return true;
        return false;
    }

    async Task<IReadOnlyList<DeleteFailure>?> TryBatchCoreAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var subRequests = new List<BatchSubRequest>(keys.Count);
        foreach (var key in keys)
        {
            var captured = await capture.GetBlobClient(key)
                .DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
            subRequests.Add(((CapturedResponse)captured).Request);
        }

        var boundary = BlobBatchBody.NewBoundary();
        var envelope = new BatchEnvelope(service.Uri.AbsolutePath, BlobBatchBody.ContentType(boundary), BlobBatchBody.Build(subRequests, boundary));
        BatchSendPolicy.Pending.Value = envelope;
        try
        {
            // Any call on this client works as the carrier; the policy rewrites it into the batch POST.
            // Delete Blob expects 202, which is also what an accepted batch answers.
            await service.GetBlobClient(keys[0]).DeleteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (envelope.Status != 0)
        {
            if (ex.ErrorCode == "ContainerNotFound") throw AzureErrors.ContainerNotFound(container, ex);
            if (ex.Status is 408 or 429 or >= 500) throw AzureErrors.Map(ex, $"{keys.Count} files", container, cancellationToken);
            // 400/404/405/501 and the like: this account or emulator does not do batch; 403: the
            // credential may not cover it (e.g. a blob-scoped SAS). Single deletes report per file.
            if (ex.Status != 403) _batchUnsupported = true;
            return null;
        }
        catch (Exception ex) when (ex is not RequestFailedException and not OperationCanceledException)
        {
            throw AzureErrors.Map(ex, $"{keys.Count} files", container, cancellationToken);
        }
        finally
        {
            BatchSendPolicy.Pending.Value = null;
        }

        var responseBoundary = BlobBatchBody.BoundaryOf(envelope.ResponseContentType);
        if (envelope.ResponseBody is null || responseBoundary is null)
        {
            _batchUnsupported = true;
            return null;
        }
        var responses = BlobBatchBody.Parse(responseBoundary, envelope.ResponseBody).ToDictionary(r => r.ContentId);
        var failures = new List<DeleteFailure>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (!responses.TryGetValue(i, out var response))
            {
                failures.Add(new DeleteFailure(keys[i], new StorageTransientException($"The batch response said nothing about '{keys[i]}'; delete it again.", keys[i])));
                continue;
            }
            if (response.Status is >= 200 and < 300) continue;
            if (response.Status == 404 && response.ErrorCode != "ContainerNotFound") continue; // already gone: deletes are idempotent
            failures.Add(new DeleteFailure(keys[i], AzureErrors.FromStatus(response.Status, response.ErrorCode, keys[i], container)));
        }
        return failures;
    }

    async Task<IReadOnlyList<DeleteFailure>> DeleteOneByOneAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var failures = new System.Collections.Concurrent.ConcurrentBag<DeleteFailure>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = FallbackParallelism, CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                try { await deleteOne(key, ct).ConfigureAwait(false); }
                catch (StorageContainerNotFoundException) { throw; }
                catch (StorageException ex) { failures.Add(new DeleteFailure(key, ex)); }
            }).ConfigureAwait(false);
        if (keys.Count >= MinBatch) Learn(ref _singleSecondsPerKey, _clock.GetElapsedTime(started), keys.Count);
        return failures.ToList();
    }
}
