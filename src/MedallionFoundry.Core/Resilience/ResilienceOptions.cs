using MedallionFoundry.Config;

namespace MedallionFoundry.Resilience;

/// <summary>The resilience options, declared once and shared by every backend (custom ones included).</summary>
public static class ResilienceOptions
{
    public const string Retry = OptionDeclaration.BronzeSection + ".retry";
    public const string CircuitBreaker = OptionDeclaration.BronzeSection + ".circuit_breaker";
    public const string RateLimit = OptionDeclaration.BronzeSection + ".rate_limit";

    public static readonly OptionDeclaration MaxAttempts = new()
    {
        Key = "max_attempts", Section = Retry, Type = OptionType.Int, DefaultValue = 4, Min = 1, Max = 20,
        Parameter = "MaxAttempts", Help = "Attempts per operation, the first included (1 = no retry).",
    };

    public static readonly OptionDeclaration BaseDelay = new()
    {
        Key = "base_delay", Section = Retry, Type = OptionType.Duration, DefaultValue = TimeSpan.FromMilliseconds(500), Min = 0, Max = 3600,
        Parameter = "RetryBaseDelaySeconds", Help = "Wait before the first retry; doubles each retry.",
    };

    public static readonly OptionDeclaration MaxDelay = new()
    {
        Key = "max_delay", Section = Retry, Type = OptionType.Duration, DefaultValue = TimeSpan.FromSeconds(20), Min = 0, Max = 3600,
        Parameter = "RetryMaxDelaySeconds", Help = "Longest wait between two attempts (also caps Retry-After); not smaller than base_delay.",
    };

    public static readonly OptionDeclaration Jitter = new()
    {
        Key = "jitter", Section = Retry, Type = OptionType.Bool, DefaultValue = true,
        Help = "Randomise the waits so parallel transfers do not retry in step.",
    };

    public static readonly OptionDeclaration FailureThreshold = new()
    {
        Key = "failure_threshold", Section = CircuitBreaker, Type = OptionType.Int, DefaultValue = 10, Min = 0, Max = 10000,
        Parameter = "CircuitBreakerThreshold", Help = "Transient failures in a row (within 30 s) that open the circuit; 0 = off, else at least 2.",
    };

    public static readonly OptionDeclaration BreakDuration = new()
    {
        Key = "break_duration", Section = CircuitBreaker, Type = OptionType.Duration, DefaultValue = TimeSpan.FromSeconds(30), Min = 0.5, Max = 86400,
        Parameter = "CircuitBreakSeconds", Help = "How long an open circuit fails calls fast before one trial call.",
    };

    public static readonly OptionDeclaration RequestsPerSecond = new()
    {
        Key = "requests_per_second", Section = RateLimit, Type = OptionType.Number, DefaultText = "unlimited", Min = 0.001, Max = 1_000_000,
        Parameter = "RequestsPerSecond", Help = "Operations per second across the connection.",
    };

    public static readonly OptionDeclaration Burst = new()
    {
        Key = "burst", Section = RateLimit, Type = OptionType.Int, DefaultValue = 1, Min = 1, Max = 100_000,
        Parameter = "Burst", Help = "Operations that may start at once before the rate applies.",
    };

    public static readonly OptionDeclaration Timeout = new()
    {
        Key = "timeout", Type = OptionType.Duration, DefaultValue = TimeSpan.FromSeconds(100), Min = 0, MinExclusive = true, Max = 86400,
        Parameter = "TimeoutSeconds", Help = "Limit of one attempt of a list, stat or delete.",
    };

    public static readonly OptionDeclaration TransferTimeout = new()
    {
        Key = "transfer_timeout", Type = OptionType.Duration, DefaultText = "none", Min = 0, Max = 604800,
        Parameter = "TransferTimeoutSeconds", Help = "Limit of one attempt of an upload or download; 0 = none.",
    };

    public static readonly OptionDeclaration StallTimeout = new()
    {
        Key = "stall_timeout", Type = OptionType.Duration, DefaultValue = TimeSpan.FromSeconds(60), Min = 0, MinExclusive = true, Max = 86400,
        Help = "Any S3 or Azure request with no byte moving either way for this long fails as transient and is retried; a transfer that keeps moving is never cut.",
    };

    public static IReadOnlyList<OptionDeclaration> All { get; } =
        [MaxAttempts, BaseDelay, MaxDelay, Jitter, FailureThreshold, BreakDuration, RequestsPerSecond, Burst, Timeout, TransferTimeout, StallTimeout];
}
