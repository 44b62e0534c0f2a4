using System.Diagnostics;
using System.Management.Automation;

namespace MedallionFoundry.Commands;

/// <summary>
/// Progress of a multi-file transfer: files and bytes, counted from any thread, shown with
/// Write-Progress from the pipeline thread only. No bars in CI logs (TF_BUILD, CI, or a host that
/// is not interactive): a summary line goes to the verbose stream there.
/// </summary>
internal sealed class TransferProgress
{
    readonly PSCmdlet _cmdlet;
    readonly string _activity;
    readonly bool _show;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly ProgressRecord _record;
    long _bytesDone;
    long _bytesTotal;
    int _filesStarted;
    int _filesDone;
    long _lastWrite = -1000;

    public TransferProgress(PSCmdlet cmdlet, string name, string activity)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _record = new ProgressRecord(Math.Abs(name.GetHashCode()) % 100000, $"{name}: {activity}", "Starting");
        _show = IsInteractive(cmdlet);
        Bytes = new Progress(this);
    }

    /// <summary>Hands byte counts from worker threads to this counter.</summary>
    public IProgress<long> Bytes { get; }

    public void Started(long bytes)
    {
        Interlocked.Increment(ref _filesStarted);
        Interlocked.Add(ref _bytesTotal, bytes);
    }

    public void Finished()
    {
        Interlocked.Increment(ref _filesDone);
        Write();
    }

    /// <summary>Writes the bar (pipeline thread only), at most five times a second.</summary>
    public void Write()
    {
        if (!_show || _clock.ElapsedMilliseconds - _lastWrite < 200) return;
        _lastWrite = _clock.ElapsedMilliseconds;
        var done = Interlocked.Read(ref _bytesDone);
        var total = Math.Max(1, Interlocked.Read(ref _bytesTotal));
        _record.StatusDescription = $"{_filesDone} of {_filesStarted} files, {Format(done)} of {Format(total)}, {Format(Rate(done))}/s";
        _record.PercentComplete = (int)Math.Clamp(done * 100 / total, 0, 100);
        _cmdlet.WriteProgress(_record);
    }

    public void Complete()
    {
        var done = Interlocked.Read(ref _bytesDone);
        _cmdlet.WriteVerbose($"{_activity}: {_filesDone} files, {Format(done)} in {_clock.Elapsed.TotalSeconds:0.0} s ({Format(Rate(done))}/s).");
        if (!_show) return;
        _record.RecordType = ProgressRecordType.Completed;
        _cmdlet.WriteProgress(_record);
    }

    double Rate(long bytes) => bytes / Math.Max(0.001, _clock.Elapsed.TotalSeconds);

    static bool IsInteractive(PSCmdlet cmdlet)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            return false;
        if (cmdlet.GetVariableValue("ProgressPreference") is ActionPreference.SilentlyContinue or ActionPreference.Ignore)
            return false;
        return !Console.IsOutputRedirected;
    }

    internal static string Format(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        var i = 0;
        while (bytes >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? $"{bytes:0} {units[i]}" : $"{bytes:0.0} {units[i]}";
    }

    sealed class Progress(TransferProgress owner) : IProgress<long>
    {
        public void Report(long value) => Interlocked.Add(ref owner._bytesDone, value);
    }
}
