using MedallionFoundry.Config;

namespace MedallionFoundry.Resilience;

/// <summary>
/// How operations are retried, broken, limited and timed out. Read from platform.bronze.retry,
/// circuit_breaker, rate_limit, timeout, transfer_timeout and stall_timeout; every value has a default.
/// </summary>
public sealed record ResilienceSettings
{
    /// <summary>Attempts per operation, the first included (1 = no retry).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the first retry; doubles each retry (exponential backoff).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of one backoff delay.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Randomise delays so parallel transfers do not retry in lock-step.</summary>
    public bool Jitter { get; init; } = true;

    /// <summary>Failed attempts in a row (within <see cref="SamplingDuration"/>) that open the circuit. 0 disables it.</summary>
    public int FailureThreshold { get; init; } = 10;

    /// <summary>How long an open circuit fails calls fast before a trial call is let through.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Window in which the failures that open the circuit are counted.</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second across the connection; null = unlimited.</summary>
    public double? RequestsPerSecond { get; init; }

    /// <summary>Requests that may go at once before the rate applies.</summary>
    public int Burst { get; init; } = 1;

    /// <summary>Limit of one attempt of a list, stat or delete.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Limit of one attempt of an upload or download; null = none (large files take long).</summary>
    public TimeSpan? TransferTimeout { get; init; }

    /// <summary>Any request with no byte moving either way for this long fails as transient (and is retried).</summary>
    public TimeSpan StallTimeout { get; init; } = DefaultStallTimeout;

    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>platform.bronze.stall_timeout; read here and by the S3 and Azure client factories.</summary>
    public static TimeSpan ReadStallTimeout(ConfigSection bronze)
    {
        var stall = bronze.GetDuration("stall_timeout");
        if (stall is { } s && s <= TimeSpan.Zero)
            throw bronze.Error("stall_timeout", "The key 'platform.bronze.stall_timeout' must be more than 0 seconds.");
        return stall ?? DefaultStallTimeout;
    }

    public static ResilienceSettings Default { get; } = new();

    /// <summary>Reads the settings under platform.bronze; errors name the key.</summary>
    public static ResilienceSettings FromConfig(ConfigSection bronze)
    {
        var settings = Default;
        if (bronze.GetSection("retry") is { } retry)
        {
            settings = settings with
            {
                MaxAttempts = retry.GetInt("max_attempts", 1, 20) ?? settings.MaxAttempts,
                BaseDelay = retry.GetDuration("base_delay") ?? settings.BaseDelay,
                MaxDelay = retry.GetDuration("max_delay") ?? settings.MaxDelay,
                Jitter = retry.GetBool("jitter") ?? settings.Jitter,
            };
            if (settings.MaxDelay < settings.BaseDelay)
                throw retry.Error("max_delay", $"The key '{retry.KeyPath("max_delay")}' must not be smaller than base_delay.");
        }
        if (bronze.GetSection("circuit_breaker") is { } breaker)
        {
            var threshold = breaker.GetInt("failure_threshold", 0, 10000);
            if (threshold == 1)
                throw breaker.Error("failure_threshold", $"The key '{breaker.KeyPath("failure_threshold")}' must be 0 (off) or at least 2.");
            settings = settings with
            {
                FailureThreshold = threshold ?? settings.FailureThreshold,
                BreakDuration = breaker.GetDuration("break_duration") ?? settings.BreakDuration,
            };
            if (settings.BreakDuration < TimeSpan.FromMilliseconds(500))
                throw breaker.Error("break_duration", $"The key '{breaker.KeyPath("break_duration")}' must be at least 0.5 seconds.");
        }
        if (bronze.GetSection("rate_limit") is { } rate)
        {
            settings = settings with
            {
                RequestsPerSecond = rate.GetDouble("requests_per_second", 0.001, 1_000_000) ?? settings.RequestsPerSecond,
                Burst = rate.GetInt("burst", 1, 100_000) ?? settings.Burst,
            };
        }
        var timeout = bronze.GetDuration("timeout");
        if (timeout is { } t && t <= TimeSpan.Zero)
            throw bronze.Error("timeout", "The key 'platform.bronze.timeout' must be more than 0 seconds.");
        var transferTimeout = bronze.GetDuration("transfer_timeout");
        return settings with
        {
            Timeout = timeout ?? settings.Timeout,
            TransferTimeout = transferTimeout is { } tt && tt > TimeSpan.Zero ? tt : settings.TransferTimeout,
            StallTimeout = ReadStallTimeout(bronze),
        };
    }
}
