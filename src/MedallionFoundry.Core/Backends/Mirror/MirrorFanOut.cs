using System.IO.Pipelines;

namespace MedallionFoundry.Backends.Mirror;

/// <summary>
/// One stream read once into several uploads at the same time, each through its own small bounded pipe:
/// the reader waits for the slowest upload, so memory stays flat; an upload that fails stops getting
/// bytes and the others go on.
/// </summary>
internal static class MirrorFanOut
{
    const int Limit = 1 << 20;

    public static async Task<IReadOnlyList<Task<T>>> UploadAsync<T>(Stream content, IProgress<long>? progress,
        IReadOnlyList<Func<Stream, CancellationToken, Task<T>>> uploads, CancellationToken cancellationToken)
    {
        var pipes = uploads.Select(_ => new Pipe(new PipeOptions(pauseWriterThreshold: Limit, resumeWriterThreshold: Limit / 2, useSynchronizationContext: false))).ToList();
        var tasks = uploads.Select((upload, i) => Task.Run(async () =>
        {
            try
            {
                await using var input = pipes[i].Reader.AsStream(leaveOpen: true);
                return await upload(input, cancellationToken).ConfigureAwait(false);
            }
            finally { await pipes[i].Reader.CompleteAsync().ConfigureAwait(false); }
        }, CancellationToken.None)).ToList();

        var live = pipes.ToList();
        try
        {
            var buffer = new byte[1 << 17];
            int read;
            while (live.Count > 0 && (read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                foreach (var pipe in live.ToList())
                    if ((await pipe.Writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false)).IsCompleted)
                        live.Remove(pipe); // its upload has stopped reading (it failed)
                progress?.Report(read);
            }
            foreach (var pipe in pipes) await pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            foreach (var pipe in pipes) await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
        }
        try { await Task.WhenAll(tasks).ConfigureAwait(false); }
        catch (Exception) { } // each task's outcome is the caller's to read
        return tasks;
    }
}
