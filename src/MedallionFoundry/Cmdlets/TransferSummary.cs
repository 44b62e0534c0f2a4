using System.Diagnostics;

namespace MedallionFoundry.Commands;

/// <summary>
/// The outcome of one transfer cmdlet's run: files that succeeded, failed, were skipped (-WhatIf,
/// declined, or not attempted after a connection failure), the bytes moved and the time taken.
/// Counted on the pipeline thread (in the completion callbacks); the progress bar reads it.
/// Every transfer cmdlet keeps one through <see cref="BronzeTransferCmdlet.Summary"/>, which writes
/// it once at the end (see <see cref="BronzeTransferCmdlet.CompleteTransfer"/>).
/// </summary>
public sealed class TransferSummary
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    int _succeeded;
    int _failed;
    int _skipped;
    long _bytes;
    int _whatIfFiles;
    long _whatIfBytes;
    int _whatIfSizeUnknown;

    /// <param name="operation">What one item is, as a noun: "Upload", "Download", "Delete", "Copy".</param>
    public TransferSummary(string operation) => Operation = operation;

    public string Operation { get; }

    public int Succeeded => Volatile.Read(ref _succeeded);
    public int Failed => Volatile.Read(ref _failed);
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>Bytes of the items that succeeded.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Items that reached an outcome (succeeded or failed).</summary>
    public int Completed => Succeeded + Failed;

    public TimeSpan Elapsed => _clock.Elapsed;

    public void AddSucceeded(long bytes = 0)
    {
        Interlocked.Increment(ref _succeeded);
        Interlocked.Add(ref _bytes, Math.Max(0, bytes));
    }

    public void AddFailed() => Interlocked.Increment(ref _failed);

    public void AddSkipped(int count = 1) => Interlocked.Add(ref _skipped, Math.Max(0, count));

    /// <summary>An item -WhatIf would have transferred (it is also counted as skipped); null: size not known.</summary>
    public void AddWhatIf(long? bytes)
    {
        AddSkipped();
        Interlocked.Increment(ref _whatIfFiles);
        if (bytes is { } known) Interlocked.Add(ref _whatIfBytes, known);
        else Interlocked.Increment(ref _whatIfSizeUnknown);
    }

    public int WhatIfFiles => Volatile.Read(ref _whatIfFiles);

    /// <summary>The -WhatIf total: "Upload: 5 files, 12.3 KiB in total." (null when -WhatIf saw nothing).</summary>
    public string? WhatIfTotal()
    {
        if (WhatIfFiles == 0) return null;
        var unknown = Volatile.Read(ref _whatIfSizeUnknown);
        var size = unknown == 0 ? $"{SizeFormatter.Format(Interlocked.Read(ref _whatIfBytes))} in total"
            : unknown == WhatIfFiles ? "size not known"
            : $"{SizeFormatter.Format(Interlocked.Read(ref _whatIfBytes))} plus {unknown} of unknown size";
        return $"{Operation}: {WhatIfFiles} files, {size}.";
    }

    /// <summary>"Upload: 98 succeeded, 2 failed, 0 skipped; 50.4 KiB in 2.2 s (22.9 KiB/s)."</summary>
    public override string ToString()
    {
        var seconds = Math.Max(0.001, Elapsed.TotalSeconds);
        return $"{Operation}: {Succeeded} succeeded, {Failed} failed, {Skipped} skipped; " +
               $"{SizeFormatter.Format(Bytes)} in {Elapsed.TotalSeconds:0.0} s ({SizeFormatter.Format((long)(Bytes / seconds))}/s).";
    }
}
