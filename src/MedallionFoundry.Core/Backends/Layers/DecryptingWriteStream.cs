using System.Security.Cryptography;

namespace MedallionFoundry.Backends.Layers;

/// <summary>
/// Takes the stored bytes of an encrypted object as a download writes them and writes the plain bytes
/// to the destination, one authenticated chunk at a time. A chunk is opened only once it is known
/// whether more follow (the last one is sealed as last), and <see cref="FinishAsync"/> opens the last:
/// another key, a changed byte, a cut or an appended tail each throw <see cref="StorageDecryptionException"/>.
/// The destination may hold the chunks before the failing one: callers write to a temp file they delete.
/// </summary>
internal sealed class DecryptingWriteStream(Stream destination, byte[] key, byte[] keyId, string objectKey, string keySource) : Stream
{
    readonly byte[] _header = new byte[EncryptedFormat.HeaderSize];
    int _headerLength;
    AesGcm? _aes;
    byte[] _sealed = [];
    byte[] _plain = [];
    int _sealedLength;
    long _index;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[Absorb(buffer)..];
            if (!buffer.IsEmpty) destination.Write(_plain, 0, Open(last: false)); // more follows: the waiting chunk is not the last
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[Absorb(buffer.Span)..];
            if (!buffer.IsEmpty) await destination.WriteAsync(_plain.AsMemory(0, Open(last: false)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Opens the last chunk; call once the download has written everything.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        if (_headerLength < EncryptedFormat.HeaderSize)
            throw new StorageDecryptionException($"The remote file '{objectKey}' is not encrypted or is truncated: it is shorter than the encryption header.", objectKey);
        var n = Open(last: true);
        await destination.WriteAsync(_plain.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes bytes into the header, then into the chunk buffer; stops early when a full chunk waits.</summary>
    int Absorb(ReadOnlySpan<byte> data)
    {
        var used = 0;
        if (_headerLength < _header.Length)
        {
            used = Math.Min(data.Length, _header.Length - _headerLength);
            data[..used].CopyTo(_header.AsSpan(_headerLength));
            _headerLength += used;
            if (_headerLength < _header.Length) return used;
            var chunk = EncryptedFormat.Open(_header, keyId, objectKey, keySource);
            _aes = new AesGcm(EncryptedFormat.ObjectKey(key, _header), EncryptedFormat.TagSize);
            _sealed = new byte[chunk + EncryptedFormat.TagSize];
            _plain = new byte[chunk];
        }
        var n = Math.Min(data.Length - used, _sealed.Length - _sealedLength);
        data.Slice(used, n).CopyTo(_sealed.AsSpan(_sealedLength));
        _sealedLength += n;
        return used + n;
    }

    int Open(bool last)
    {
        var length = _sealedLength - EncryptedFormat.TagSize;
        if (length < 0)
            throw new StorageDecryptionException($"The remote file '{objectKey}' is truncated: its last encrypted chunk is incomplete.", objectKey);
        Span<byte> nonce = stackalloc byte[12];
        EncryptedFormat.Nonce(nonce, _index++, last);
        try
        {
            _aes!.Decrypt(nonce, _sealed.AsSpan(0, length), _sealed.AsSpan(length, EncryptedFormat.TagSize), _plain.AsSpan(0, length), _header);
        }
        catch (CryptographicException)
        {
            throw new StorageDecryptionException(
                $"The remote file '{objectKey}' failed authentication at chunk {_index - 1}: it was damaged, truncated or altered after it was encrypted.", objectKey);
        }
        _sealedLength = 0;
        return length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _aes?.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
