using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace MedallionFoundry.Tests.Faults;

/// <summary>
/// An HTTP proxy on 127.0.0.1 between a backend and its real server (the S3 server, Azurite) that
/// injects faults: a share of requests answered 503 without reaching the server, a share whose
/// response is cut off mid-body (connection reset), a fixed delay, every request denied (403), or
/// bodies slowed to a byte rate (so a test can stop a transfer half-way), a server that accepts
/// connections but never answers, or one bit flipped in a share of object bodies (uploads and downloads).
/// Faults are drawn from a seeded random source, so a run can be repeated.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Expect", "TE", "Trailer",
    };

    readonly WebApplication _app;
    readonly HttpClient _upstream;
    readonly Uri _target;
    readonly object _gate = new();
    readonly Random _random;
    int _requests, _failed, _reset, _flipped, _lost;

    FaultProxy(WebApplication app, Uri target, int seed)
    {
        _app = app;
        _target = target;
        _random = new Random(seed);
        _upstream = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = 64,
        }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Share (0..1) of requests answered 503 without reaching the server.</summary>
    public double FailureRate { get; set; }

    /// <summary>Share (0..1) of responses cut off half-way through the body.</summary>
    public double ResetRate { get; set; }

    /// <summary>Delay added before each response.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Bytes per second for request and response bodies; 0 = as fast as possible.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Answer every request 403 AccessDenied.</summary>
    public bool DenyAll { get; set; }

    /// <summary>Accept every request and never answer (the connection stays open, no byte comes back).</summary>
    public bool NeverAnswer { get; set; }

    /// <summary>Share (0..1) of requests forwarded to the server whose answer is then lost (the connection is dropped before any byte of it).</summary>
    public double LostResponseRate { get; set; }

    /// <summary>Share (0..1) of object bodies (PUT request bodies, non-XML response bodies) with one bit flipped.</summary>
    public double BitFlipRate { get; set; }

    /// <summary>The proxy's own address (give it to the backend as its endpoint).</summary>
    public Uri Address { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Body bytes that passed through the proxy, both ways (request bodies sent up, response bodies sent back).</summary>
    public long BodyBytes => Interlocked.Read(ref _bodyBytes);

    /// <summary>"METHOD target" of every request, in arrival order (to tell which API calls were made).</summary>
    public IReadOnlyCollection<string> RequestLines => _requestLines;

    /// <summary>Starts counting again (bytes, requests and request lines).</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _bodyBytes, 0);
        Interlocked.Exchange(ref _requests, 0);
        _requestLines.Clear();
    }

    long _bodyBytes;
    readonly System.Collections.Concurrent.ConcurrentQueue<string> _requestLines = new();
    public int Failed => Volatile.Read(ref _failed);
    public int Reset => Volatile.Read(ref _reset);
    public int Flipped => Volatile.Read(ref _flipped);
    public int Lost => Volatile.Read(ref _lost);

    public static async Task<FaultProxy> StartAsync(string target, int seed = 42, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var targetUri = new Uri(target);
        var proxy = new FaultProxy(app, new Uri(targetUri.GetLeftPart(UriPartial.Authority)), seed);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.Address = new Uri(app.Urls.First());
        return proxy;
    }

    /// <summary>The address to use in place of <paramref name="serverUrl"/> (keeps its path, e.g. Azurite's account).</summary>
    public string Rewrite(string serverUrl)
    {
        var original = new Uri(serverUrl);
        return new UriBuilder(original) { Host = Address.Host, Port = Address.Port }.Uri.ToString().TrimEnd('/');
    }

    double Draw()
    {
        lock (_gate) return _random.NextDouble();
    }

    async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        _requestLines.Enqueue($"{context.Request.Method} {context.Features.Get<IHttpRequestFeature>()!.RawTarget}");
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);

        if (NeverAnswer)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        if (DenyAll)
        {
            await WriteError(context, 403, "AccessDenied", "Access Denied (injected by the fault proxy)");
            return;
        }
        if (Draw() < FailureRate)
        {
            Interlocked.Increment(ref _failed);
            await WriteError(context, 503, "ServiceUnavailable", "Please reduce your request rate (injected by the fault proxy)");
            return;
        }
        var cutOff = Draw() < ResetRate;
        var flip = Draw() < BitFlipRate;
        var lose = Draw() < LostResponseRate;

        // Forward the request target byte for byte: re-encoding the path would break signatures.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_target, rawTarget));
        var hasBody = context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0;
        var flipRequest = flip && hasBody && HttpMethods.IsPut(context.Request.Method);
        if (flipRequest) Interlocked.Increment(ref _flipped);
        if (hasBody)
        {
            var requestBody = Counted(Throttled(context.Request.Body));
            request.Content = new StreamContent(flipRequest ? new BitFlipStream(requestBody, (context.Request.ContentLength ?? 2) / 2) : requestBody);
        }
        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopHeaders.Contains(name)) continue;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) { request.Headers.Host = values.ToString(); continue; }
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()) && request.Content is not null)
                request.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        if (lose)
        {
            Interlocked.Increment(ref _lost);
            await response.Content.LoadIntoBufferAsync(); // the server finished its work
            context.Abort();
            return;
        }
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(name)) context.Response.Headers[name] = values.ToArray();
        }

        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var length = response.Content.Headers.ContentLength ?? 0;
        var isXml = response.Content.Headers.ContentType?.MediaType?.Contains("xml", StringComparison.OrdinalIgnoreCase) == true;
        var flipResponse = flip && !flipRequest && !isXml && length > 0 && HttpMethods.IsGet(context.Request.Method) && response.IsSuccessStatusCode;
        if (flipResponse) Interlocked.Increment(ref _flipped);
        var source = flipResponse ? new BitFlipStream(body, length / 2) : body;
        if (!cutOff)
        {
            await Counted(Throttled(source)).CopyToAsync(context.Response.Body, 16384, context.RequestAborted);
            return;
        }

        // Send about half of the body, then drop the connection.
        Interlocked.Increment(ref _reset);
        var buffer = new byte[Math.Max(1, length / 2)];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, context.RequestAborted);
        await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    }

    Stream Counted(Stream inner) => new CountingStream(inner, n => Interlocked.Add(ref _bodyBytes, n));

    Stream Throttled(Stream inner) => BytesPerSecond > 0 ? new ThrottledStream(inner, BytesPerSecond) : inner;

    static async Task WriteError(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-ms-error-code"] = code == "AccessDenied" ? "AuthorizationFailure" : "ServerBusy";
        if (HttpMethods.IsHead(context.Request.Method)) return; // as the real servers: no body on HEAD
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
