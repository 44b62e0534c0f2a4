using System.Diagnostics;
using System.Management.Automation;
using MedallionFoundry.Health;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// The health check: writes a small temporary object under the prefix, stats it, lists it, reads it
/// back and compares the bytes, then deletes it (always, even when a check failed or the user pressed
/// Ctrl+C). Reports each check's success and latency and the backend's capabilities.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "BronzeStorage")]
[OutputType(typeof(BronzeHealthReport), typeof(bool))]
public sealed class TestBronzeStorageCommand : BronzeTransferCmdlet
{
    /// <summary>The folder (under the configured prefix) the temporary object is written to.</summary>
    public const string HealthFolder = ".medallionfoundry-health/";

    /// <summary>Return only $true (every check passed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        var store = Store;
        var path = $"{HealthFolder}{Guid.NewGuid():N}.tmp";
        var payload = new byte[1024];
        Random.Shared.NextBytes(payload);
        var checks = new List<BronzeHealthCheck>();
        var written = false;

        try
        {
            written = Run(checks, "Write", () => store.UploadAsync(new MemoryStream(payload, writable: false), path, UploadOptions.Default, CancellationToken));
            if (written)
            {
                Run(checks, "Stat", async () =>
                {
                    var stat = await store.StatAsync(path, CancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"'{path}' was written but stat does not find it.");
                    if (stat.Size != payload.Length)
                        throw new InvalidOperationException($"'{path}' was written with {payload.Length} bytes but stat reports {stat.Size}.");
                });
                Run(checks, "List", async () =>
                {
                    await foreach (var item in store.ListAsync(HealthFolder, new ListOptions { Recursive = true }, CancellationToken).ConfigureAwait(false))
                        if (item.Path == path) return;
                    throw new InvalidOperationException($"'{path}' was written but listing '{HealthFolder}' does not return it.");
                });
                Run(checks, "Read", async () =>
                {
                    using var copy = new MemoryStream();
                    await store.DownloadAsync(path, copy, TransferOptions.Default, CancellationToken).ConfigureAwait(false);
                    if (!copy.ToArray().AsSpan().SequenceEqual(payload))
                        throw new InvalidOperationException($"'{path}' read back {copy.Length} bytes that differ from the {payload.Length} bytes written.");
                });
            }
            else
            {
                foreach (var name in new[] { "Stat", "List", "Read" })
                    checks.Add(new BronzeHealthCheck { Name = name, Success = false, Error = "Not run: the write check failed." });
            }
        }
        finally
        {
            // Removed whatever happened above (a failed write may have left part of it); a cancelled run
            // still cleans up, with a short budget of its own.
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Run(checks, "Delete", async () =>
            {
                await store.DeleteAsync(path, cleanup.Token).ConfigureAwait(false);
                if (written && await store.StatAsync(path, cleanup.Token).ConfigureAwait(false) is not null)
                    throw new InvalidOperationException($"'{path}' was deleted but stat still finds it.");
            });
        }

        var report = new BronzeHealthReport
        {
            Connection = store.Name,
            Backend = store.BackendType,
            Location = store.Backend.Location,
            Prefix = store.Prefix,
            TestPath = path,
            Checks = checks,
            MaxDeleteBatchSize = store.Backend.MaxDeleteBatchSize,
            DefaultConcurrency = store.Backend.DefaultConcurrency,
        };
        foreach (var check in checks) WriteVerbose(check.ToString());
        WriteObject(Quiet ? report.Healthy : report);
    }

    /// <summary>Times one check; a failure is recorded in the report, not thrown.</summary>
    bool Run(List<BronzeHealthCheck> checks, string name, Func<Task> check)
    {
        var clock = Stopwatch.StartNew();
        string? error = null;
        try
        {
            Await(check());
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            error = Unwrap(ex).Message;
        }
        checks.Add(new BronzeHealthCheck { Name = name, Success = error is null, LatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1), Error = error });
        return error is null;
    }

    bool Run(List<BronzeHealthCheck> checks, string name, Func<Task<RemoteObject>> check) => Run(checks, name, async () => { await check().ConfigureAwait(false); });
}
