using System.Diagnostics;
using System.Management.Automation;

namespace MedallionFoundry.Commands;

/// <summary>
/// Progress bar of a multi-file transfer, shown with Write-Progress from the pipeline thread only.
/// Files done are the ones that succeeded (failures are counted apart, never as done); totals are
/// shown only when they are known: "of ?" while pipeline input is still arriving or sizes are not
/// listed. No bars in CI logs (TF_BUILD, CI, or output redirected): the summary is written there.
/// </summary>
internal sealed class TransferProgress
{
    readonly PSCmdlet _cmdlet;
    readonly TransferSummary _summary;
    readonly bool _show;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly ProgressRecord _record;
    long _bytesDone;
    long _bytesTotal;
    int _filesStarted;
    int? _filesTotal;
    bool _sizesUnknown;
    long _lastWrite = -1000;

    public TransferProgress(PSCmdlet cmdlet, string name, string activity, TransferSummary summary)
    {
        _cmdlet = cmdlet;
        _summary = summary;
        _record = new ProgressRecord(Math.Abs(name.GetHashCode()) % 100000, $"{name}: {activity}", "Starting");
        _show = IsInteractive(cmdlet);
        Bytes = new Progress(this);
    }

    /// <summary>Hands byte counts from worker threads to this counter.</summary>
    public IProgress<long> Bytes { get; }

    /// <summary>One file queued; <paramref name="bytes"/> is null when its size is not known yet.</summary>
    public void Started(long? bytes)
    {
        _filesStarted++;
        if (bytes is { } known) Interlocked.Add(ref _bytesTotal, known);
        else _sizesUnknown = true;
    }

    /// <summary>Every file is known now (all input received): the totals become real ones.</summary>
    public void InputComplete() => _filesTotal = _filesStarted;

    /// <summary>Writes the bar (pipeline thread only), at most five times a second.</summary>
    public void Write()
    {
        if (!_show || _clock.ElapsedMilliseconds - _lastWrite < 200) return;
        _lastWrite = _clock.ElapsedMilliseconds;
        var done = Interlocked.Read(ref _bytesDone);
        _record.StatusDescription = Describe(done);
        _record.PercentComplete = Percent(done);
        _cmdlet.WriteProgress(_record);
    }

    internal string Describe(long bytesDone) => Status(_summary.Succeeded, _summary.Failed, _filesTotal, bytesDone,
        _filesTotal is null || _sizesUnknown ? null : Interlocked.Read(ref _bytesTotal), bytesDone / Math.Max(0.001, _clock.Elapsed.TotalSeconds));

    /// <summary>"3 of 5 files, 1 failed, 1.0 MiB of 4.0 MiB, 2.0 MiB/s"; an unknown total is "?".</summary>
    internal static string Status(int succeeded, int failed, int? filesTotal, long bytesDone, long? bytesTotal, double bytesPerSecond)
    {
        var files = $"{succeeded} of {(filesTotal is { } total ? total.ToString() : "?")} files";
        if (failed > 0) files += $", {failed} failed";
        var of = bytesTotal is { } known ? SizeFormatter.Format(known) : "?";
        return $"{files}, {SizeFormatter.Format(bytesDone)} of {of}, {SizeFormatter.Format(bytesPerSecond)}/s";
    }

    int Percent(long bytesDone)
    {
        if (_filesTotal is not { } total || total == 0) return -1;
        if (!_sizesUnknown && Interlocked.Read(ref _bytesTotal) is > 0 and var bytes)
            return (int)Math.Clamp(bytesDone * 100 / bytes, 0, 100);
        return Math.Clamp(_summary.Completed * 100 / total, 0, 100);
    }

    public void Complete()
    {
        if (!_show) return;
        _record.RecordType = ProgressRecordType.Completed;
        _cmdlet.WriteProgress(_record);
    }

    static bool IsInteractive(PSCmdlet cmdlet)
    {
        if (AzureDevOpsLog.IsCi) return false;
        if (cmdlet.GetVariableValue("ProgressPreference") is ActionPreference.SilentlyContinue or ActionPreference.Ignore)
            return false;
        return !Console.IsOutputRedirected;
    }

    sealed class Progress(TransferProgress owner) : IProgress<long>
    {
        public void Report(long value) => Interlocked.Add(ref owner._bytesDone, value);
    }
}
