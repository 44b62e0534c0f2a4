using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace MedallionFoundry.Backends.Http;

/// <summary>
/// No bytes moved on a request for longer than the stall timeout: the server accepted the
/// connection but stopped answering (or stopped reading). An <see cref="IOException"/>, so every
/// backend's error mapping treats it as a transient network failure and the runner retries it.
/// </summary>
public sealed class StallTimeoutException(string message) : IOException(message);

/// <summary>
/// Bounds every HTTP request of the S3 and Azure clients by a stall (idle) timeout: the request
/// fails when no byte of its body was sent and no byte of the answer arrived for that long.
/// A transfer that keeps moving, however long, is never cut; whole-operation limits stay optional
/// (platform.bronze.transfer_timeout). Also names the endpoint when a connection is refused.
/// </summary>
public sealed class StallTimeoutHandler(TimeSpan stallTimeout, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public TimeSpan StallTimeout { get; } = stallTimeout;

    /// <summary>The handler the SDK clients get: pooled connections, no proxy surprises, no client-level timeout.</summary>
    public static HttpClient CreateClient(TimeSpan stallTimeout, int maxConnectionsPerServer = 64) =>
        new(new StallTimeoutHandler(stallTimeout, new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
        }))
        { Timeout = Timeout.InfiniteTimeSpan };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = request.RequestUri?.GetLeftPart(UriPartial.Authority) ?? "the server";
        var watch = new StallWatch(StallTimeout, cancellationToken);
        if (request.Content is { } content) request.Content = new WatchedContent(content, watch);
        HttpResponseMessage response;
        try
        {
            watch.Touch();
            response = await base.SendAsync(request, watch.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (watch.Stalled)
        {
            watch.Dispose();
            throw watch.Error(endpoint);
        }
        catch (HttpRequestException ex) when (IsRefused(ex))
        {
            watch.Dispose();
            throw new HttpRequestException($"Connection refused to {endpoint}.", ex, ex.StatusCode);
        }
        catch
        {
            watch.Dispose();
            throw;
        }

        // From here the caller reads the body: each read restarts the clock, a stall aborts it.
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var watched = new StreamContent(new WatchedReadStream(body, watch, endpoint));
        foreach (var (name, values) in response.Content.Headers) watched.Headers.TryAddWithoutValidation(name, values);
        response.Content = watched;
        watch.Touch();
        return response;
    }

    static bool IsRefused(Exception ex)
    {
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return true;
        return false;
    }

    /// <summary>One request's idle clock: restarted whenever a byte moves; when it runs out, the
    /// request is cancelled (or its body stream aborted).</summary>
    sealed class StallWatch : IDisposable
    {
        readonly TimeSpan _timeout;
        readonly CancellationTokenSource _cts;
        volatile bool _disposed;

        public StallWatch(TimeSpan timeout, CancellationToken caller)
        {
            _timeout = timeout;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(caller);
            Caller = caller;
        }

        public CancellationToken Caller { get; }

        public CancellationToken Token => _cts.Token;

        /// <summary>True when the clock, not the caller, cancelled.</summary>
        public bool Stalled => _cts.IsCancellationRequested && !Caller.IsCancellationRequested;

        public void Touch()
        {
            if (_disposed) return;
            try { _cts.CancelAfter(_timeout); } catch (ObjectDisposedException) { }
        }

        public StallTimeoutException Error(string endpoint) =>
            new($"No data moved for {_timeout.TotalSeconds:0.#} s on the connection to {endpoint}: the server stopped answering.");

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _cts.Dispose();
        }
    }

    /// <summary>The request body, with every write restarting the clock.</summary>
    sealed class WatchedContent : HttpContent
    {
        readonly HttpContent _inner;
        readonly StallWatch _watch;

        public WatchedContent(HttpContent inner, StallWatch watch)
        {
            _inner = inner;
            _watch = watch;
            foreach (var (name, values) in inner.Headers) Headers.TryAddWithoutValidation(name, values);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(new TouchingWriteStream(stream, _watch), context, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    sealed class TouchingWriteStream(Stream inner, StallWatch watch) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            watch.Touch();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            watch.Touch();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            watch.Touch();
        }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>The response body: each read restarts the clock; a stall disposes the connection's
    /// stream, so a read blocked on it ends with <see cref="StallTimeoutException"/>.</summary>
    sealed class WatchedReadStream : Stream
    {
        readonly Stream _inner;
        readonly StallWatch _watch;
        readonly string _endpoint;
        readonly CancellationTokenRegistration _abort;

        public WatchedReadStream(Stream inner, StallWatch watch, string endpoint)
        {
            _inner = inner;
            _watch = watch;
            _endpoint = endpoint;
            _abort = watch.Token.Register(static s => ((Stream)s!).Dispose(), inner);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            _watch.Touch();
            try { return Done(_inner.Read(buffer)); }
            catch (Exception ex) when (_watch.Stalled && ex is not StallTimeoutException) { throw _watch.Error(_endpoint); }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // Pooled: a read that waits for the socket would otherwise leave a new state machine box behind,
        // ~5,000 of them (~0.4 MiB) in a 512 MiB download.
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _watch.Touch();
            try { return Done(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)); }
            catch (Exception ex) when (_watch.Stalled && ex is not StallTimeoutException) { throw _watch.Error(_endpoint); }
        }

        int Done(int read)
        {
            // A stall disposes the body under a pending read, which may then return 0: that is the
            // stall, not the end of the body (else a cut body would pass as a short one).
            if (read == 0 && _watch.Stalled) throw _watch.Error(_endpoint);
            if (read == 0) _watch.Dispose(); // end of body: the clock has nothing left to watch
            else _watch.Touch();
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _abort.Dispose();
                _watch.Dispose();
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
