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

    /// <summary>platform.bronze.stall_timeout (<see cref="ResilienceOptions.StallTimeout"/>); read here and by the S3 and Azure settings.</summary>
    public static TimeSpan ReadStallTimeout(ConfigSection bronze) => bronze.Duration(ResilienceOptions.StallTimeout)!.Value;

    public static ResilienceSettings Default { get; } = new();

    /// <summary>Reads the settings under platform.bronze (<see cref="ResilienceOptions"/>); errors name the key.</summary>
    public static ResilienceSettings FromConfig(ConfigSection bronze)
    {
        var settings = Default with
        {
            MaxAttempts = bronze.Int(ResilienceOptions.MaxAttempts)!.Value,
            BaseDelay = bronze.Duration(ResilienceOptions.BaseDelay)!.Value,
            MaxDelay = bronze.Duration(ResilienceOptions.MaxDelay)!.Value,
            Jitter = bronze.Bool(ResilienceOptions.Jitter)!.Value,
            FailureThreshold = bronze.Int(ResilienceOptions.FailureThreshold)!.Value,
            BreakDuration = bronze.Duration(ResilienceOptions.BreakDuration)!.Value,
            RequestsPerSecond = bronze.Number(ResilienceOptions.RequestsPerSecond),
            Burst = bronze.Int(ResilienceOptions.Burst)!.Value,
            Timeout = bronze.Duration(ResilienceOptions.Timeout)!.Value,
            TransferTimeout = bronze.Duration(ResilienceOptions.TransferTimeout) is { } t && t > TimeSpan.Zero ? t : null,
            StallTimeout = ReadStallTimeout(bronze),
        };
        if (settings.MaxDelay < settings.BaseDelay)
            throw ErrorAt(bronze, ResilienceOptions.MaxDelay, $"The key '{ResilienceOptions.MaxDelay.FullKey}' must not be smaller than {ResilienceOptions.BaseDelay.Key}.");
        if (settings.FailureThreshold == 1)
            throw ErrorAt(bronze, ResilienceOptions.FailureThreshold, $"The key '{ResilienceOptions.FailureThreshold.FullKey}' must be 0 (off) or at least 2.");
        return settings;
    }

    static ConfigException ErrorAt(ConfigSection bronze, OptionDeclaration option, string message) =>
        (bronze.Find(option.Section) ?? bronze).Error(option.Key, message);
}
