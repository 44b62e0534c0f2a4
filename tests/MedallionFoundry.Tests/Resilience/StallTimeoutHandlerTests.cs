using System.Net;
using MedallionFoundry.Backends.Http;

namespace MedallionFoundry.Tests.Resilience;

/// <summary>A body that stops moving is a stall error, never a quietly shorter body.</summary>
public sealed class StallTimeoutHandlerTests
{
    /// <summary>Gives its first bytes, then waits; once disposed (what the stall does), the pending read
    /// returns 0, as a socket-backed HTTP body stream may.</summary>
    sealed class StallingBody(byte[] first) : Stream
    {
        readonly TaskCompletionSource<int> _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        bool _gaveFirst;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_gaveFirst) return new ValueTask<int>(_disposed.Task);
            _gaveFirst = true;
            first.CopyTo(buffer);
            return ValueTask.FromResult(first.Length);
        }

        protected override void Dispose(bool disposing) { _disposed.TrySetResult(0); base.Dispose(disposing); }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    sealed class StallingServer : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingBody(new byte[100])) });
    }

    [Fact]
    public async Task A_body_that_stops_mid_way_fails_as_a_stall_and_never_ends_early()
    {
        using var client = new HttpClient(new StallTimeoutHandler(TimeSpan.FromMilliseconds(300), new StallingServer()));
        using var response = await client.GetAsync("http://127.0.0.1:9/object", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1000];
        Assert.Equal(100, await body.ReadAsync(buffer));

        var stall = await Assert.ThrowsAsync<StallTimeoutException>(async () => await body.ReadAsync(buffer));
        Assert.Contains("No data moved", stall.Message);
    }
}
