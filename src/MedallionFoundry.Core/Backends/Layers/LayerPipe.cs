using System.IO.Pipelines;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// Joins a writer and a reader through a small bounded pipe, so a layer can turn "writes bytes into a
/// stream" (a compressor, a backend's download) into "reads bytes from a stream" (a backend's upload, a
/// decompressor) with flat memory: the producer waits whenever the pipe holds <see cref="Limit"/> bytes.
/// </summary>
internal static class LayerPipe
{
    public const int Limit = 1 << 20;

    public static async Task<T> RunAsync<T>(Func<Stream, CancellationToken, Task> produce, Func<Stream, CancellationToken, Task<T>> consume, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: Limit, resumeWriterThreshold: Limit / 2, useSynchronizationContext: false));
        var producer = Task.Run(async () =>
        {
            try
            {
                await using (var output = pipe.Writer.AsStream(leaveOpen: true))
                    await produce(output, linked.Token).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None);

        T result;
        try
        {
            await using var input = pipe.Reader.AsStream(leaveOpen: true);
            result = await consume(input, linked.Token).ConfigureAwait(false);
        }
        catch (Exception consumerError)
        {
            linked.Cancel();
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            try { await producer.ConfigureAwait(false); }
            catch (Exception producerError) when (producerError is not OperationCanceledException && !ReferenceEquals(producerError, consumerError))
            {
                // The producer's failure (a missing object, a failed read) is the real cause.
                if (producerError is Storage.StorageException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(producerError);
            }
            catch (Exception) { }
            throw;
        }
        await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        await producer.ConfigureAwait(false);
        return result;
    }
}
