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
/// </summary>
internal sealed class BlobBatchDeleter(BlobContainerClient service, BlobContainerClient capture, string container,
    Func<string, CancellationToken, Task> deleteOne)
{
    const int FallbackParallelism = 8;

    volatile bool _batchUnsupported;

    /// <summary>True once the service refused batch requests (then deletes go one by one).</summary>
    public bool BatchUnsupported => _batchUnsupported;

    public async Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return [];
        if (_batchUnsupported || keys.Count == 1) return await DeleteOneByOneAsync(keys, cancellationToken).ConfigureAwait(false);

        var failures = new List<DeleteFailure>();
        foreach (var chunk in keys.Chunk(BlobBatchBody.MaxSubRequests))
        {
            var result = await TryBatchAsync(chunk, cancellationToken).ConfigureAwait(false);
            failures.AddRange(result ?? await DeleteOneByOneAsync(chunk, cancellationToken).ConfigureAwait(false));
        }
        return failures;
    }

    /// <summary>The failures of one batch, or null when the batch could not be used (then fall back).</summary>
    async Task<IReadOnlyList<DeleteFailure>?> TryBatchAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
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
        var failures = new System.Collections.Concurrent.ConcurrentBag<DeleteFailure>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = FallbackParallelism, CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                try { await deleteOne(key, ct).ConfigureAwait(false); }
                catch (StorageContainerNotFoundException) { throw; }
                catch (StorageException ex) { failures.Add(new DeleteFailure(key, ex)); }
            }).ConfigureAwait(false);
        return failures.ToList();
    }
}
