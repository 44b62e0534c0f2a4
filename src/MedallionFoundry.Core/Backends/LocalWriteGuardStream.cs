using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends;

/// <summary>
/// Wraps a download's local destination so that a failure to write it (disk full, quota, no
/// permission) surfaces as <see cref="StorageLocalIOException"/> naming the local path: not as a
/// network error, and never retried as one. The backends' error mappers pass storage errors through.
/// </summary>
internal sealed class LocalWriteGuardStream(Stream inner, string key) : Stream
{
    string? LocalPath => (inner as FileStream)?.Name;

    Exception Fail(Exception ex) => StorageLocalIOException.Writing(LocalPath, key, ex);

    public override bool CanRead => false;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try { inner.Write(buffer); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw Fail(ex); }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw Fail(ex); }
    }

    public override void Flush()
    {
        try { inner.Flush(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw Fail(ex); }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try { await inner.FlushAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw Fail(ex); }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);
}
