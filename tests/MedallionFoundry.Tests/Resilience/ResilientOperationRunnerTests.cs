using System.Diagnostics;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Resilience;

public sealed class ResilientOperationRunnerTests
{
    static readonly ResilienceSettings Fast = new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(50),
        Jitter = false,
        FailureThreshold = 0,
    };

    static (BronzeStore Store, FaultInjectingBackend Backend, ResilientOperationRunner Runner) Create(
        Func<string, int, Exception?> fault, ResilienceSettings? settings = null, TimeSpan? delay = null)
    {
        var backend = new FaultInjectingBackend(new LocalBackend(TestData.TempFolder("resilience")), fault, delay);
        var runner = new ResilientOperationRunner(settings ?? Fast, "test");
        return (new BronzeStore(backend, "test", runner), backend, runner);
    }

    static Task Put(BronzeStore store, string path) => store.UploadAsync(new MemoryStream("data"u8.ToArray()), path);

    [Fact]
    public async Task Transient_failures_are_retried_and_each_retry_is_reported()
    {
        var (store, backend, runner) = Create((op, call) => op == "upload" && call <= 2 ? new StorageTransientException("503 Service Unavailable", "x") : null);

        await Put(store, "t/file.csv");

        Assert.Equal(3, backend.Calls);
        Assert.NotNull(await store.StatAsync("t/file.csv"));
        var messages = runner.DrainMessages();
        Assert.Equal(2, messages.Count);
        Assert.Equal("Retrying upload 't/file.csv' (attempt 2 of 4) in 0.01 s after: 503 Service Unavailable", messages[0]);
        Assert.StartsWith("Retrying upload 't/file.csv' (attempt 3 of 4) in 0.01 s after:", messages[1]);
        Assert.Empty(runner.DrainMessages());
    }

    [Fact]
    public async Task Access_denied_is_tried_exactly_once()
    {
        var (store, backend, _) = Create((_, _) => new StorageAccessDeniedException("403 Forbidden", "x"));

        await Assert.ThrowsAsync<StorageAccessDeniedException>(() => Put(store, "t/file.csv"));

        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Not_found_and_invalid_input_are_not_retried()
    {
        var (store, backend, _) = Create((_, _) => new StorageNotFoundException("404", "x"));

        await Assert.ThrowsAsync<StorageNotFoundException>(() => store.DownloadAsync("t/missing.csv", new MemoryStream()));
        await Assert.ThrowsAsync<InvalidRemotePathException>(() => Put(store, "../bad.csv"));

        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Giving_up_after_max_attempts_throws_the_last_transient_error()
    {
        var (store, backend, _) = Create((_, _) => new StorageTransientException("connection reset", "x"));

        var error = await Assert.ThrowsAsync<StorageTransientException>(() => Put(store, "t/file.csv"));

        Assert.Equal(4, backend.Calls);
        Assert.Equal("connection reset", error.Message);
    }

    [Fact]
    public async Task Retry_After_from_the_server_sets_the_delay()
    {
        var (store, _, runner) = Create((_, call) => call == 1 ? new StorageTransientException("429 SlowDown", "x", retryAfter: TimeSpan.FromMilliseconds(40)) : null);

        await Put(store, "t/file.csv");

        Assert.Contains("in 0.04 s after: 429 SlowDown", Assert.Single(runner.DrainMessages()));
    }

    [Fact]
    public async Task The_circuit_opens_after_the_threshold_and_then_fails_fast()
    {
        var settings = Fast with { MaxAttempts = 2, FailureThreshold = 3, BreakDuration = TimeSpan.FromSeconds(30) };
        var (store, backend, runner) = Create((_, _) => new StorageTransientException("503", "x"), settings);

        await Assert.ThrowsAsync<StorageTransientException>(() => Put(store, "a.csv")); // attempts 1, 2
        var opened = await Assert.ThrowsAsync<StorageException>(() => Put(store, "b.csv")); // attempt 3 opens it
        var fast = await Assert.ThrowsAsync<StorageException>(() => Put(store, "c.csv"));

        Assert.Equal(3, backend.Calls);
        Assert.Equal(StorageErrorKind.CircuitOpen, fast.Kind);
        Assert.Matches(@"The circuit for connection 'test' is open until \d\d:\d\d:\d\d after 3 failures in a row", fast.Message);
        Assert.Contains(runner.DrainMessages(), m => m.StartsWith("Circuit for connection 'test' opened until"));
        Assert.True(opened.Kind is StorageErrorKind.CircuitOpen or StorageErrorKind.Transient);
    }

    [Fact]
    public async Task An_open_circuit_names_the_file_not_tried_and_calls_the_last_failure_the_connections()
    {
        var settings = Fast with { MaxAttempts = 1, FailureThreshold = 2, BreakDuration = TimeSpan.FromSeconds(30) };
        var (store, _, _) = Create((path, _) => new StorageTransientException($"503 for {path}", path), settings);

        await Assert.ThrowsAnyAsync<StorageException>(() => Put(store, "part-0002.csv"));
        await Assert.ThrowsAnyAsync<StorageException>(() => Put(store, "part-0003.csv"));
        var fast = await Assert.ThrowsAsync<StorageException>(() => Put(store, "part-0001.csv"));

        Assert.Equal(StorageErrorKind.CircuitOpen, fast.Kind);
        Assert.Contains("so the upload of 'part-0001.csv' was not tried", fast.Message);
        Assert.Contains("The connection's last failure (which may be another file's): 503 for", fast.Message);
        Assert.DoesNotContain("Last failure:", fast.Message);
    }

    [Fact]
    public async Task An_open_circuit_lets_a_trial_call_through_after_the_break_and_closes_on_success()
    {
        var failing = true;
        var settings = Fast with { MaxAttempts = 1, FailureThreshold = 2, BreakDuration = TimeSpan.FromMilliseconds(500) };
        var (store, _, runner) = Create((_, _) => failing ? new StorageTransientException("503", "x") : null, settings);

        await Assert.ThrowsAnyAsync<StorageException>(() => Put(store, "a.csv"));
        await Assert.ThrowsAnyAsync<StorageException>(() => Put(store, "a.csv"));
        var open = await Assert.ThrowsAsync<StorageException>(() => Put(store, "a.csv"));
        Assert.Equal(StorageErrorKind.CircuitOpen, open.Kind);

        failing = false;
        await Task.Delay(700);
        await Put(store, "a.csv");

        var messages = runner.DrainMessages();
        Assert.Contains(messages, m => m.Contains("half-open"));
        Assert.Contains(messages, m => m.Contains("closed"));
    }

    [Fact]
    public async Task Failures_that_are_not_transient_never_open_the_circuit()
    {
        var settings = Fast with { FailureThreshold = 2 };
        var (store, backend, _) = Create((_, _) => new StorageNotFoundException("404", "x"), settings);

        for (var i = 0; i < 5; i++)
            await Assert.ThrowsAsync<StorageNotFoundException>(() => store.DownloadAsync("m.csv", new MemoryStream()));

        Assert.Equal(5, backend.Calls);
    }

    [Fact]
    public async Task The_rate_limit_spaces_requests()
    {
        const int requests = 11;
        var settings = Fast with { RequestsPerSecond = 20, Burst = 1 };
        var (store, backend, _) = Create((_, _) => null, settings);

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, requests).Select(i => store.StatAsync($"r/{i}.csv")));
        clock.Stop();

        Assert.Equal(requests, backend.Calls);
        // 11 requests at 20/s with a burst of 1 need at least 10 intervals of 50 ms; generous lower bound only.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_slow_attempt_times_out_and_is_retried()
    {
        var settings = Fast with { MaxAttempts = 2, Timeout = TimeSpan.FromMilliseconds(100) };
        var (store, backend, _) = Create((_, _) => null, settings, delay: TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<StorageTransientException>(() => store.StatAsync("slow.csv"));

        Assert.Equal(2, backend.Calls);
        Assert.Contains("timed out after 0.1 s", error.Message);
    }

    [Fact]
    public async Task Cancellation_stops_retrying_at_once()
    {
        using var cancel = new CancellationTokenSource();
        var settings = Fast with { BaseDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(10) };
        var (store, backend, _) = Create((_, _) => new StorageTransientException("503", "x"), settings);

        cancel.CancelAfter(200);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.StatAsync("c.csv", cancel.Token));

        Assert.Equal(1, backend.Calls);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_failed_download_retry_rewinds_the_destination_stream()
    {
        var (store, _, _) = Create((op, call) => op == "download" && call == 2 ? new StorageTransientException("reset", "x") : null);
        await Put(store, "d.csv");
        using var destination = new MemoryStream();
        destination.Write("junk"u8);

        await store.DownloadAsync("d.csv", destination);

        Assert.Equal("junkdata", System.Text.Encoding.UTF8.GetString(destination.ToArray()));
    }
}

public sealed class ResilienceSettingsTests
{
    static ResilienceSettings Read(string bronzeYaml) =>
        ResilienceSettings.FromConfig(PlatformConfig.Parse("platform:\n  bronze:\n    storage_backend: local\n    local_path: /x\n" + bronzeYaml, "platform.yaml").Bronze);

    [Fact]
    public void Defaults_apply_when_nothing_is_configured()
    {
        Assert.Equal(ResilienceSettings.Default, Read(""));
    }

    [Fact]
    public void Every_key_is_read()
    {
        var settings = Read("""
                retry:
                  max_attempts: 6
                  base_delay: 250ms
                  max_delay: 5
                  jitter: false
                circuit_breaker:
                  failure_threshold: 7
                  break_duration: 1m
                rate_limit:
                  requests_per_second: 12.5
                  burst: 4
                timeout: 30
                transfer_timeout: 600
            """.Replace("        ", "    "));

        Assert.Equal(new ResilienceSettings
        {
            MaxAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(250), MaxDelay = TimeSpan.FromSeconds(5), Jitter = false,
            FailureThreshold = 7, BreakDuration = TimeSpan.FromMinutes(1), RequestsPerSecond = 12.5, Burst = 4,
            Timeout = TimeSpan.FromSeconds(30), TransferTimeout = TimeSpan.FromSeconds(600),
        }, settings);
    }

    [Theory]
    [InlineData("    retry:\n      max_attempts: -1\n", "platform.bronze.retry.max_attempts", "between 1 and 20")]
    [InlineData("    retry:\n      max_attempts: lots\n", "platform.bronze.retry.max_attempts", "whole number")]
    [InlineData("    retry:\n      base_delay: -2\n", "platform.bronze.retry.base_delay", "non-negative duration")]
    [InlineData("    retry:\n      base_delay: 10\n      max_delay: 1\n", "platform.bronze.retry.max_delay", "must not be smaller than base_delay")]
    [InlineData("    retry:\n      jitter: sometimes\n", "platform.bronze.retry.jitter", "true or false")]
    [InlineData("    retry: 3\n", "platform.bronze.retry", "must be a mapping")]
    [InlineData("    circuit_breaker:\n      failure_threshold: 1\n", "platform.bronze.circuit_breaker.failure_threshold", "0 (off) or at least 2")]
    [InlineData("    circuit_breaker:\n      break_duration: 0\n", "platform.bronze.circuit_breaker.break_duration", "must be between 500ms and 24h")]
    [InlineData("    rate_limit:\n      requests_per_second: 0\n", "platform.bronze.rate_limit.requests_per_second", "between")]
    [InlineData("    rate_limit:\n      burst: 0\n", "platform.bronze.rate_limit.burst", "between 1 and")]
    [InlineData("    timeout: 0\n", "platform.bronze.timeout", "more than 0 seconds")]
    [InlineData("    timeout: [1, 2]\n", "platform.bronze.timeout", "single value, not a list")]
    public void Bad_values_name_the_key(string yaml, string key, string fragment)
    {
        var error = Assert.Throws<ConfigException>(() => Read(yaml));

        Assert.Equal(key, error.Key);
        Assert.Contains(fragment, error.Message);
        Assert.StartsWith("platform.yaml:", error.Message);
    }
}

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("GET https://acct.blob.core.windows.net/c/b?sv=2024-01-01&sig=abc%2Bdef&se=2030", "abc%2Bdef")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5;EndpointSuffix=x", "c2VjcmV0a2V5")]
    [InlineData("Authorization: AWS4-HMAC-SHA256 Credential=AKIA/2025, Signature=deadbeef", "deadbeef")]
    [InlineData("https://b.s3.amazonaws.com/k?X-Amz-Signature=0123abcd&X-Amz-Credential=AKIAXYZ", "0123abcd")]
    public void Secrets_in_text_are_replaced(string text, string secret)
    {
        var redacted = SecretRedactor.Redact(text);

        Assert.DoesNotContain(secret, redacted);
        Assert.Contains("REDACTED", redacted);
    }
}

public sealed class RememberedSecretTests
{
    [Fact]
    public void The_value_of_a_sensitive_option_read_by_the_binder_is_masked_everywhere_after()
    {
        var secret = $"MfRemembered{Guid.NewGuid():N}";
        var config = PlatformConfig.Parse(
            "platform:\n  bronze:\n    s3_bucket: b\n  s3_connection:\n    endpoint_url: http://127.0.0.1:9\n    access_key_env: A\n    secret_key_env: S\n",
            "platform.yaml", name => name == "S" ? secret : "access");

        MedallionFoundry.Backends.S3.S3Settings.FromConfig(config);

        Assert.Equal($"the server said {SecretRedactor.Mask} twice: {SecretRedactor.Mask}", SecretRedactor.Redact($"the server said {secret} twice: {secret}"));
    }
}
