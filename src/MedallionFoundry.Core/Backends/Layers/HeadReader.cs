using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// Reads the first bytes of an object through the contract's only read (a download), stopping it as soon
/// as they have arrived: how a layer finds its header for a Stat without a ranged-read method.
/// </summary>
internal static class HeadReader
{
    /// <returns>Up to <paramref name="count"/> bytes (fewer when the object is shorter); null when it does not exist.</returns>
    public static async Task<byte[]?> ReadAsync(StorageBackend backend, string key, int count, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var head = new HeadStream(count, stop);
        try
        {
            await backend.DownloadAsync(key, head, TransferOptions.Default, stop.Token).ConfigureAwait(false);
        }
        catch (StorageNotFoundException) { return null; }
        catch (Exception) when (head.Full && !cancellationToken.IsCancellationRequested) { } // we stopped it on purpose
        return head.Bytes;
    }

    sealed class HeadStream(int count, CancellationTokenSource stop) : Stream
    {
        readonly MemoryStream _bytes = new();

        public bool Full => _bytes.Length >= count;

        public byte[] Bytes => _bytes.ToArray()[..(int)Math.Min(count, _bytes.Length)];

        public override void Write(byte[] buffer, int offset, int length) => Write(buffer.AsSpan(offset, length));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, count - _bytes.Length);
            if (wanted > 0) _bytes.Write(buffer[..wanted]);
            if (!Full) return;
            stop.Cancel();
            throw new OperationCanceledException("The header has been read.");
        }

        public override Task WriteAsync(byte[] buffer, int offset, int length, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, length));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _bytes.Length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int length) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
