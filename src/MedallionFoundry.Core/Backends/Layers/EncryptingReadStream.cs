using System.Security.Cryptography;

namespace MedallionFoundry.Backends.Layers;

/// <summary>Reads a plain stream as the encrypted format (<see cref="EncryptedFormat"/>), one chunk at a
/// time: memory is two plain chunks and one sealed chunk, whatever the size.</summary>
internal sealed class EncryptingReadStream : Stream
{
    readonly Stream _plain;
    readonly AesGcm _aes;
    readonly byte[] _header;
    byte[] _current = new byte[EncryptedFormat.ChunkSize];
    byte[] _next = new byte[EncryptedFormat.ChunkSize];
    int _currentLength = -1; // -1: not read yet
    readonly byte[] _sealed = new byte[EncryptedFormat.ChunkSize + EncryptedFormat.TagSize];
    int _sealedStart, _sealedEnd;
    long _index;
    bool _done;

    public EncryptingReadStream(Stream plain, byte[] key, byte[] keyId)
    {
        _plain = plain;
        _header = EncryptedFormat.NewHeader(keyId);
        _aes = new AesGcm(EncryptedFormat.ObjectKey(key, _header), EncryptedFormat.TagSize);
        _header.CopyTo(_sealed, 0);
        _sealedEnd = _header.Length;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        while (_sealedStart == _sealedEnd)
        {
            if (_done) return 0;
            await SealNextAsync(cancellationToken).ConfigureAwait(false);
        }
        var n = Math.Min(buffer.Length, _sealedEnd - _sealedStart);
        _sealed.AsMemory(_sealedStart, n).CopyTo(buffer);
        _sealedStart += n;
        return n;
    }

    /// <summary>Seals the current chunk; reading the next one first says whether it is the last.</summary>
    async Task SealNextAsync(CancellationToken cancellationToken)
    {
        if (_currentLength < 0) _currentLength = await _plain.ReadAtLeastAsync(_current, _current.Length, false, cancellationToken).ConfigureAwait(false);
        var nextLength = _currentLength < _current.Length ? 0
            : await _plain.ReadAtLeastAsync(_next, _next.Length, false, cancellationToken).ConfigureAwait(false);
        var last = nextLength == 0;
        Span<byte> nonce = stackalloc byte[12];
        EncryptedFormat.Nonce(nonce, _index++, last);
        _aes.Encrypt(nonce, _current.AsSpan(0, _currentLength), _sealed.AsSpan(0, _currentLength),
            _sealed.AsSpan(_currentLength, EncryptedFormat.TagSize), _header);
        _sealedStart = 0;
        _sealedEnd = _currentLength + EncryptedFormat.TagSize;
        (_current, _next) = (_next, _current);
        _currentLength = nextLength;
        _done = last;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _aes.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
