using System.Collections;
using System.IO.Pipes;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Text;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>Get-Content, Set-Content, Add-Content and New-Item -Value on a Bronze drive.</summary>
internal static class BronzeContent
{
    public static IContentReader OpenReader(BronzeItems items, BronzeLocation location, BronzeContentReaderParameters options)
    {
        if (location.IsRoot || items.File(location) is null)
            throw new ArgumentException(items.IsFolder(location) ? $"{location.Describe()} is a folder; content is read from files." : $"Cannot find {location.Describe()}.");
        return new BronzeContentReader(items, location, options);
    }

    public static IContentWriter OpenWriter(BronzeItems items, BronzeLocation location, BronzeContentWriterParameters options) =>
        new BronzeContentWriter(items, location, options);

    /// <summary>New-Item -Value: a small value, uploaded in one piece (text as UTF-8).</summary>
    public static RemoteObject WriteValue(BronzeItems items, BronzeLocation location, object? value, bool overwrite)
    {
        var bytes = (value is PSObject ps ? ps.BaseObject : value) switch
        {
            null => Array.Empty<byte>(),
            byte[] raw => raw,
            var other => new UTF8Encoding(false).GetBytes(other.ToString() ?? ""),
        };
        using var content = new MemoryStream(bytes, writable: false);
        var stored = items.Wait(items.Store(location.Connection).UploadAsync(content, location.Remote, new UploadOptions { Overwrite = overwrite }, items.CancellationToken));
        items.Forget(location);
        return stored;
    }
}

/// <summary>
/// Streams a stored file into Get-Content: the download writes into a pipe that this reader drains, so
/// memory stays flat and Get-Content -TotalCount 5 stops the download after the first lines.
/// </summary>
internal sealed class BronzeContentReader : IContentReader
{
    readonly AnonymousPipeServerStream _writeEnd = new(PipeDirection.Out);
    readonly AnonymousPipeClientStream _readEnd;
    readonly CancellationTokenSource _cancellation;
    readonly Task _download;
    readonly StreamReader? _text;
    readonly BronzeContentReaderParameters _options;
    readonly string _remote;
    bool _done;

    public BronzeContentReader(BronzeItems items, BronzeLocation location, BronzeContentReaderParameters options)
    {
        _options = options;
        _remote = location.Remote;
        _readEnd = new AnonymousPipeClientStream(PipeDirection.In, _writeEnd.ClientSafePipeHandle);
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(items.CancellationToken);
        var store = items.Store(location.Connection);
        var writeEnd = _writeEnd;
        var token = _cancellation.Token;
        _download = Task.Run(async () =>
        {
            try { await store.DownloadAsync(location.Remote, writeEnd, cancellationToken: token).ConfigureAwait(false); }
            finally { writeEnd.Dispose(); } // end of the stream for the reader
        });
        if (!options.AsByteStream) _text = new StreamReader(_readEnd, BronzeEncodings.Resolve(options.Encoding), detectEncodingFromByteOrderMarks: true);
    }

    /// <summary>Up to <paramref name="readCount"/> lines (or bytes); 0 or less reads the rest.</summary>
    public IList Read(long readCount)
    {
        var results = new List<object>();
        if (_done) return results;
        var wanted = readCount <= 0 ? long.MaxValue : readCount;
        if (_text is null)
        {
            var buffer = new byte[(int)Math.Min(wanted, 81920)];
            var read = _readEnd.Read(buffer, 0, buffer.Length);
            for (var i = 0; i < read; i++) results.Add(buffer[i]);
            _done = read == 0;
        }
        else if (_options.Raw)
        {
            results.Add(_text.ReadToEnd());
            _done = true;
        }
        else
        {
            while (results.Count < wanted)
            {
                var line = _text.ReadLine();
                if (line is null) { _done = true; break; }
                results.Add(line);
            }
        }
        if (_done) ThrowIfDownloadFailed();
        return results;
    }

    void ThrowIfDownloadFailed()
    {
        try { _download.GetAwaiter().GetResult(); }
        catch (Exception ex) when (ex is not StorageException)
        {
            throw new IOException($"Reading '{_remote}' failed: {ex.Message}", ex);
        }
    }

    public void Seek(long offset, SeekOrigin origin) =>
        throw new PSNotSupportedException("Seeking is not supported on a Bronze drive: a stored file is read from its start.");

    public void Close()
    {
        _cancellation.Cancel(); // read to the end already, or left early: either way the download is over
        _text?.Dispose();
        _readEnd.Dispose();
        try { _download.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { } // an early close breaks the pipe: expected
        _writeEnd.Dispose();
        _cancellation.Dispose();
    }

    public void Dispose() => Close();
}

/// <summary>
/// Collects Set-Content / Add-Content output in a temporary local file and uploads it whole on Close, so a
/// failed or stopped write leaves the stored file as it was. Add-Content starts from the stored bytes.
/// </summary>
internal sealed class BronzeContentWriter : IContentWriter
{
    readonly BronzeItems _items;
    readonly BronzeLocation _location;
    readonly BronzeContentWriterParameters _options;
    readonly string _temp = Path.Combine(Path.GetTempPath(), $"mf-drive-{Guid.NewGuid():N}.tmp");
    FileStream _file;
    StreamWriter? _text;
    bool _written, _closed;

    public BronzeContentWriter(BronzeItems items, BronzeLocation location, BronzeContentWriterParameters options)
    {
        _items = items;
        _location = location;
        _options = options;
        _file = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    public IList Write(IList content)
    {
        _written = true;
        foreach (var entry in content)
        {
            var value = entry is PSObject ps ? ps.BaseObject : entry;
            if (_options.AsByteStream)
            {
                if (value is byte[] bytes) _file.Write(bytes);
                else _file.WriteByte(LanguagePrimitives.ConvertTo<byte>(value));
                continue;
            }
            _text ??= new StreamWriter(_file, BronzeEncodings.Resolve(_options.Encoding), 65536, leaveOpen: true);
            _text.Write(value?.ToString());
            if (!_options.NoNewline) _text.Write(Environment.NewLine);
        }
        return content;
    }

    /// <summary>Add-Content seeks to the end first: the stored bytes are fetched so the new lines follow them.</summary>
    public void Seek(long offset, SeekOrigin origin)
    {
        if (offset != 0 || origin != SeekOrigin.End || _written)
            throw new PSNotSupportedException("Seeking is not supported on a Bronze drive, except to the end before writing (Add-Content).");
        _file.Dispose();
        try
        {
            _items.Wait(_items.Store(_location.Connection).DownloadFileAsync(_location.Remote, _temp, overwrite: true, cancellationToken: _items.CancellationToken));
        }
        catch (StorageNotFoundException) { } // a new file: nothing to append to
        _file = new FileStream(_temp, FileMode.Append, FileAccess.Write, FileShare.None);
    }

    public void Close()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            _text?.Dispose();
            _file.Dispose();
            if (_items.Stopping) return; // stopped half-way: the stored file stays as it was
            _items.Wait(_items.Store(_location.Connection).UploadFileAsync(_temp, _location.Remote, cancellationToken: _items.CancellationToken));
            _items.Forget(_location);
        }
        finally
        {
            try { File.Delete(_temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public void Dispose() => Close();
}
