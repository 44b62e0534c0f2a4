using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using MedallionFoundry.Storage;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace MedallionFoundry.Resilience;

/// <summary>
/// Runs backend operations through one Polly pipeline per connection: retry with exponential backoff
/// and jitter (honouring Retry-After) outside, then a circuit breaker, a rate limiter and a per-attempt
/// timeout. Only transient failures are retried or counted by the breaker: never access denied, not found
/// or bad input. Integrity failures (bytes damaged on the wire) are retried the same bounded number
/// of times, are not counted by the breaker, and stay integrity errors when they persist. The SDKs keep a small retry of their own per HTTP request (parts of big files);
/// this layer retries whole operations, and is the one that reports what it does.
/// </summary>
public sealed class ResilientOperationRunner : OperationRunner
{
    /// <summary>What one operation is, for the strategies' callbacks: one property of a reference type (Polly's
    /// property code is then the shared instantiation, not one JIT-compiled per value type in a fresh process).</summary>
    sealed record Operation(ResilientOperationRunner Runner, string Name, string Path, bool IsTransfer, int Items);

    /// <summary>The property key, a Polly struct: kept out of this public type's own statics, so loading the type
    /// (Import-Module registers Core's public type names) does not load Polly.</summary>
    static class Keys
    {
        public static readonly ResiliencePropertyKey<Operation?> Operation = new("mf.operation");
    }

    /// <summary>How much longer than <see cref="ResilienceSettings.Timeout"/> one attempt of a batch may
    /// take per file in it (a 256-blob delete batch: timeout + 256 s × this).</summary>
    public static readonly TimeSpan BatchTimeoutPerItem = TimeSpan.FromSeconds(0.5);

    readonly ResiliencePipeline _pipeline;
    readonly ConcurrentQueue<string> _messages = new();
    readonly string _connection;
    DateTimeOffset _openUntil;

    public ResilientOperationRunner(ResilienceSettings settings, string connectionName = "default", TimeProvider? time = null)
    {
        Settings = settings;
        _connection = connectionName;
        _pipeline = Build(settings, time ?? TimeProvider.System);
    }

    public ResilienceSettings Settings { get; }

    /// <summary>Attempts made so far (every try of every operation), for diagnostics and tests.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);
    long _attempts;

    /// <summary>Retry and circuit messages since the last call. Polly calls back on worker threads,
    /// so messages are queued here and written by the cmdlet on the pipeline thread.</summary>
    public override IReadOnlyList<string> DrainMessages()
    {
        if (_messages.IsEmpty) return Array.Empty<string>(); // the common case, asked once per listed object
        var drained = new List<string>();
        while (_messages.TryDequeue(out var message)) drained.Add(message);
        return drained;
    }

    public override Task<T> RunAsync<T>(string operation, string? path, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
        => RunBatchAsync(operation, path, 1, action, cancellationToken);

    public override async Task<T> RunBatchAsync<T>(string operation, string? path, int items, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Keys.Operation, new Operation(this, operation, path ?? "", operation is "upload" or "download", Math.Max(1, items)));
        try
        {
            // The state is the action itself, a reference type: Polly's generic code then runs in its shared
            // instantiation (a tuple state made the JIT compile every strategy's code for that struct).
            return await _pipeline.ExecuteAsync(static async (ctx, action) =>
            {
                Interlocked.Increment(ref ctx.Properties.GetValue(Keys.Operation, null)!.Runner._attempts);
                return await action(ctx.CancellationToken).ConfigureAwait(false);
            }, context, action).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            var until = _openUntil > DateTimeOffset.Now ? _openUntil : DateTimeOffset.Now + (ex.RetryAfter ?? Settings.BreakDuration);
            throw new StorageException(StorageErrorKind.CircuitOpen,
                $"The circuit for connection '{_connection}' is open until {until.ToLocalTime():HH:mm:ss} after {Settings.FailureThreshold} failures in a row; calls fail fast until then, so the {operation} of '{path}' was not tried. " +
                $"The connection's last failure (which may be another file's): {ex.InnerException?.Message ?? "see earlier errors"}",
                path, ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new StorageTransientException($"The {operation} of '{path}' timed out after {ex.Timeout.TotalSeconds:0.#} s.", path, ex);
        }
        catch (RateLimiterRejectedException ex)
        {
            throw new StorageTransientException($"The {operation} of '{path}' was refused by the rate limiter.", path, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    static bool IsTransient(Exception? exception) => exception switch
    {
        StorageException storage => storage.IsTransient,
        TimeoutRejectedException => true,
        _ => false,
    };

    ResiliencePipeline Build(ResilienceSettings settings, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };

        if (settings.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                // A flipped bit on the wire heals on another try; a store that keeps bad bytes fails every
                // try and ends as the integrity error it is.
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception) || args.Outcome.Exception is StorageIntegrityException),
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = settings.BaseDelay,
                MaxDelay = settings.MaxDelay,
                UseJitter = settings.Jitter,
                // A server's Retry-After wins over our own backoff (capped by max_delay).
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is StorageTransientException { RetryAfter: { } after }
                    ? (TimeSpan?)(after < settings.MaxDelay ? after : settings.MaxDelay)
                    : null),
                OnRetry = args =>
                {
                    var ctx = args.Context;
                    var op = ctx.Properties.GetValue(Keys.Operation, null);
                    _messages.Enqueue($"Retrying {op?.Name} '{op?.Path}' " +
                        $"(attempt {args.AttemptNumber + 2} of {settings.MaxAttempts}) in {args.RetryDelay.TotalSeconds:0.##} s after: " +
                        SecretRedactor.Redact(args.Outcome.Exception?.Message ?? "failure"));
                    return default;
                },
            });
        }

        if (settings.FailureThreshold >= 2)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Polly counts a ratio in a window: a ratio of 1 with a minimum of N means N failures in a row.
                FailureRatio = 1.0,
                MinimumThroughput = settings.FailureThreshold,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
                OnOpened = args =>
                {
                    _openUntil = DateTimeOffset.Now + args.BreakDuration;
                    _messages.Enqueue($"Circuit for connection '{_connection}' opened until {_openUntil.ToLocalTime():HH:mm:ss} after {settings.FailureThreshold} failures in a row.");
                    return default;
                },
                OnHalfOpened = _ => { _messages.Enqueue($"Circuit for connection '{_connection}' half-open: trying one call."); return default; },
                OnClosed = _ => { _messages.Enqueue($"Circuit for connection '{_connection}' closed: calls flow again."); return default; },
            });
        }

        if (settings.RequestsPerSecond is { } rate)
        {
            builder.AddRateLimiter(new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.Burst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1 / rate),
                QueueLimit = int.MaxValue, // wait for a token rather than fail
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
        }

        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(Keys.Operation, null) is { } op
                ? op.IsTransfer ? settings.TransferTimeout ?? System.Threading.Timeout.InfiniteTimeSpan : settings.Timeout + (op.Items - 1) * BatchTimeoutPerItem
                : settings.Timeout),
        });

        return builder.Build();
    }
}
