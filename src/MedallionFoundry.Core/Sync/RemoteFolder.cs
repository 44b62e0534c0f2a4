using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using MedallionFoundry.Backends.Azure;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Sync;

/// <summary>A remote folder as sync and compare see it: a prefix that always ends in '/' (so
/// "dt=2025-01-1" never reaches "dt=2025-01-10/"), and paths relative to it.</summary>
public sealed class RemoteFolder(BronzeStore store, string? remotePath)
{
    public BronzeStore Store { get; } = store;

    /// <summary>"" (everything under the configured prefix) or a folder ending in '/'.</summary>
    public string Prefix { get; } = FolderPrefix(remotePath);

    public static string FolderPrefix(string? remotePath)
    {
        var prefix = RemotePath.NormalizePrefix(remotePath);
        return prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    /// <summary>Multipart part sizes to try against the "hex-N" ETag of an object of <paramref name="size"/> bytes:
    /// the common ones plus the part size this connection's S3 uploads give such a file.</summary>
    public IEnumerable<long> PartSizesFor(long size) => Store.Backend is S3Backend s3
        ? FolderComparer.CommonPartSizes.Append(s3.Settings.UploadPartSizeFor(size)).Distinct()
        : FolderComparer.CommonPartSizes;

    /// <summary>The remote path (relative to the configured prefix) of a path relative to this folder.</summary>
    public string PathOf(string relativePath) => Prefix + relativePath;

    /// <summary>Every object under the folder, streamed, with its path relative to the folder.
    /// <paramref name="forUpload"/>: a missing container that the connection creates on its first write
    /// (Azure create_container: true) lists as empty; any other missing container is the error it is.</summary>
    public async IAsyncEnumerable<(string RelativePath, RemoteObject Object)> ListAsync(bool forUpload = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var missingContainerIsEmpty = forUpload && Store.Backend is AzureBackend { Settings.CreateContainer: true };
        await using var items = Store.ListAsync(Prefix, new ListOptions { Recursive = true }, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await items.MoveNextAsync().ConfigureAwait(false)) yield break;
            }
            catch (StorageException ex) when (missingContainerIsEmpty && ex.Kind == StorageErrorKind.ContainerNotFound)
            {
                yield break;
            }
            var item = items.Current;
            if (!item.IsPrefix && item.Path.StartsWith(Prefix, StringComparison.Ordinal) && item.Path.Length > Prefix.Length)
                yield return (item.Path[Prefix.Length..], item);
        }
    }

    /// <summary>
    /// The MD5 of a remote file the listing gave no hash for: first the object's metadata (one
    /// request; our own S3 uploads carry their MD5 there), then, for the local backend, the file
    /// hashed in place (through the hash cache), else the content downloaded and hashed in memory-flat
    /// chunks, never written anywhere.
    /// </summary>
    public async Task<string?> Md5ByReadingAsync(RemoteObject remote, LocalHasher hasher, CancellationToken cancellationToken)
    {
        var stat = await Store.StatAsync(remote.Path, cancellationToken).ConfigureAwait(false);
        if (stat is null) throw new StorageNotFoundException($"The remote file '{remote.Path}' disappeared while it was compared.", remote.Path);
        if (!string.IsNullOrEmpty(stat.ContentMD5)) return stat.ContentMD5;
        if (Store.Backend is LocalBackend local)
            return await hasher.Md5Async(Path.Combine(local.Root, stat.Key.Replace('/', Path.DirectorySeparatorChar)), cancellationToken).ConfigureAwait(false);
        await using var sink = new Md5Sink();
        await Store.DownloadAsync(remote.Path, sink, cancellationToken: cancellationToken).ConfigureAwait(false);
        return sink.Md5();
    }

    /// <summary>A write-only stream that hashes what it is given; a retry's rewind to 0 starts over.</summary>
    sealed class Md5Sink : Stream
    {
        IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        long _length;

        public string Md5() => Convert.ToBase64String(_md5.GetHashAndReset());

        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set { if (value != 0) throw new NotSupportedException(); SetLength(0); }
        }

        public override void SetLength(long value)
        {
            if (value != 0) throw new NotSupportedException();
            _md5.Dispose();
            _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            _length = 0;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _md5.AppendData(buffer);
            _length += buffer.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => origin == SeekOrigin.Begin && offset == 0 ? Position = 0 : throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _md5.Dispose();
            base.Dispose(disposing);
        }
    }
}
