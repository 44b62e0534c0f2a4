using System.Management.Automation;
using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Base of the cmdlets that work on remote files through a connection. A transfer cmdlet (one that
/// works through many files) also keeps a <see cref="TransferSummary"/> here and follows one pattern:
/// <list type="number">
/// <item>count each item: <c>Summary.AddSucceeded(bytes)</c>, <see cref="ReportFailure"/> (or any WriteError, which counts
/// as a failed item), <c>Summary.AddSkipped()</c>;</item>
/// <item>after queueing or draining work, call <see cref="ThrowIfConnectionFailed"/>: the first error about
/// the whole connection (see <see cref="ConnectionFailure"/>) cancels the rest and ends the cmdlet with
/// one terminating error naming the cause and how many files were not attempted;</item>
/// <item>end with <see cref="CompleteTransfer"/> in EndProcessing: the summary line, and a failed step in Azure DevOps.</item>
/// </list>
/// </summary>
public abstract class BronzeTransferCmdlet : BronzeCmdlet
{
    /// <summary>Name of the connection to use (default: the current one). Bound from listed objects too.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConnectionNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Connection { get; set; }

    BronzeConnection? _resolved;

    /// <summary>The store to use for the current record (connections are looked up once per name).</summary>
    protected BronzeStore Store
    {
        get
        {
            if (_resolved is null || (!string.IsNullOrEmpty(Connection) && !string.Equals(_resolved.Name, Connection, StringComparison.OrdinalIgnoreCase)))
                _resolved = ResolveConnection(Connection);
            return _resolved.Store;
        }
    }

    /// <summary>Writes the retry and circuit messages the resilience layer queued on worker threads.
    /// Call it from the pipeline thread only.</summary>
    protected void WriteResilienceMessages()
    {
        if (_resolved is null) return;
        foreach (var message in _resolved.Store.Runner.DrainMessages()) WriteVerbose(message);
    }

    private protected override string? ConnectionDescription =>
        _resolved is { } c ? $"'{c.Name}': {c.Store.BackendType} storage at {c.Store.Backend.Location}" : null;

    TransferSummary? _summary;
    bool _summaryWritten;
    Exception? _connectionFailure;
    object? _connectionFailureTarget;

    /// <summary>What one item of this cmdlet is, as a noun for the summary ("Upload", "Download", "Delete").</summary>
    protected virtual string TransferOperation => "Transfer";

    /// <summary>Every non-terminating error a transfer cmdlet writes is about one item: it counts as failed.</summary>
    private protected override void OnErrorWritten() => Summary.AddFailed();

    /// <summary>This run's tally (created on first use).</summary>
    protected TransferSummary Summary => _summary ??= new TransferSummary(TransferOperation);

    /// <summary>True once a connection failure stopped the run: start nothing more.</summary>
    protected bool ConnectionFailed => _connectionFailure is not null;

    /// <summary>
    /// One item failed (pipeline thread). The first connection failure is kept and cancels the work still
    /// running; what fails after it is not written again (it is the same cause). Ctrl+C cancellations are
    /// not failures. Any other error is a non-terminating error naming <paramref name="target"/>.
    /// </summary>
    protected void ReportFailure(Exception error, object? target)
    {
        error = Unwrap(error);
        if (ConnectionFailed) { Summary.AddFailed(); return; }
        if (error is OperationCanceledException && CancellationToken.IsCancellationRequested) return;
        if (ConnectionFailure.CauseOf(error) is not null)
        {
            Summary.AddFailed();
            _connectionFailure = error;
            _connectionFailureTarget = target;
            CancelWork();
            return;
        }
        WriteFileError(error, target);
    }

    /// <summary>
    /// After a connection failure (call it once the running work is drained): writes the summary and
    /// throws one terminating error with the original error id, naming the cause and the
    /// <paramref name="notAttempted"/> files never started. Does nothing when there was none.
    /// </summary>
    protected void ThrowIfConnectionFailed(int notAttempted = 0)
    {
        if (_connectionFailure is not { } failure) return;
        Summary.AddSkipped(notAttempted);
        var unread = MyInvocation.ExpectingInput ? " and the rest of the pipeline input was not read" : "";
        var record = ErrorFor(failure, _connectionFailureTarget);
        record.ErrorDetails = new ErrorDetails(
            $"{record.ErrorDetails?.Message ?? failure.Message} Stopped at this first connection failure ({ConnectionFailure.CauseOf(failure)}): " +
            $"{notAttempted} more file(s) were not attempted{unread}.");
        WriteSummary();
        ThrowTerminatingError(record);
    }

    /// <summary>ShouldProcess for one item of a transfer: a declined or -WhatIf item counts as skipped, and
    /// -WhatIf adds its <paramref name="bytes"/> (null: not known) to the total line written at the end.</summary>
    protected bool ShouldTransfer(string target, string action, long? bytes)
    {
        if (ShouldProcess(target, action)) return true;
        if (IsWhatIf) Summary.AddWhatIf(bytes);
        else Summary.AddSkipped();
        return false;
    }

    bool IsWhatIf => (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) && LanguagePrimitives.IsTrue(bound))
        || (!MyInvocation.BoundParameters.ContainsKey("WhatIf") && LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference")));

    /// <summary>Ends the run (EndProcessing): throws for a connection failure, else writes the summary.</summary>
    protected void CompleteTransfer()
    {
        ThrowIfConnectionFailed();
        WriteSummary();
    }

    /// <summary>The summary goes to the verbose stream, and in CI (TF_BUILD, CI) to the log as well; in
    /// Azure DevOps a run with any failed item also marks the step failed, once, here.</summary>
    void WriteSummary()
    {
        if (_summaryWritten) return;
        _summaryWritten = true;
        WriteResilienceMessages();
        if (Summary.WhatIfTotal() is { } whatIf) Host.UI.WriteLine($"What if: {whatIf}");
        var text = Summary.ToString();
        WriteVerbose(text);
        if (AzureDevOpsLog.IsCi)
            WriteInformation(new HostInformationMessage { Message = $"{MyInvocation.MyCommand.Name}: {text}" }, new[] { "PSHOST", "MedallionFoundry", "TransferSummary" });
        if (Summary.Failed > 0)
            AzureDevOpsLog.FailTask(this, $"{MyInvocation.MyCommand.Name}: {Summary.Failed} of {Summary.Completed} files failed.");
    }
}
