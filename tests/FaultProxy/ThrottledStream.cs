using System.Diagnostics;

namespace MedallionFoundry.Tests.Faults;

/// <summary>Reads from <paramref name="inner"/> no faster than <paramref name="bytesPerSecond"/>.</summary>
internal sealed class ThrottledStream(Stream inner, long bytesPerSecond) : Stream
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var slice = buffer[..(int)Math.Min(buffer.Length, Math.Max(1, bytesPerSecond / 20))];
        var n = await inner.ReadAsync(slice, cancellationToken);
        _read += n;
        var due = TimeSpan.FromSeconds((double)_read / bytesPerSecond) - _clock.Elapsed;
        if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, default).GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
