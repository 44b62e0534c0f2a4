using System.Management.Automation;
using MedallionFoundry.Config;
using MedallionFoundry.Resilience;
using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// What every cmdlet of the module shares: a cancellation source that Ctrl+C (StopProcessing)
/// cancels, running async engine calls on the pipeline thread, and turning engine exceptions into
/// error records whose id is &lt;Cmdlet&gt;&lt;Problem&gt; and whose target is the path.
/// </summary>
public abstract class BronzeCmdlet : PSCmdlet
{
    readonly CancellationTokenSource _cancellation = new();

    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>"SendBronzeFile" for Send-BronzeFile: the start of every error id.</summary>
    protected string ErrorIdPrefix => MyInvocation.MyCommand.Name.Replace("-", "");

    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>Cancels the work still running (as Ctrl+C would), e.g. after a connection failure.</summary>
    protected void CancelWork() => _cancellation.Cancel();

    bool _recommendedForce;

    /// <summary>Waits for an engine call. There is no synchronization context on the pipeline thread.</summary>
    protected T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();

    protected void Await(Task task) => task.GetAwaiter().GetResult();

    /// <summary>The connection named by -Connection, or the current one; terminating error when there is none.</summary>
    private protected BronzeConnection ResolveConnection(string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            if (BronzeConnections.TryGet(name, out var named)) return named;
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"There is no connection named '{name}'. Connections: {string.Join(", ", BronzeConnections.Names.DefaultIfEmpty("(none)"))}."),
                $"{ErrorIdPrefix}ConnectionNotFound", ErrorCategory.ObjectNotFound, name));
        }
        var current = BronzeConnections.Current;
        if (current is null)
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("Not connected to bronze storage. Run Connect-BronzeStorage first."),
                $"{ErrorIdPrefix}NotConnected", ErrorCategory.ConnectionError, null));
        return current!;
    }

    /// <summary>An error record for a failure about one file (written as non-terminating by the caller).</summary>
    protected ErrorRecord ErrorFor(Exception exception, object? target)
    {
        var (problem, category) = Classify(exception);
        var record = new ErrorRecord(exception, ErrorIdPrefix + problem, category, target);
        // An account-level refusal: say which connection (account, container or bucket) it was.
        if (Unwrap(exception) is StorageException { Kind: StorageErrorKind.AccessDenied } denied
            && denied.InnerException is not (UnauthorizedAccessException or IOException) && ConnectionDescription is { } where)
            record.ErrorDetails = new ErrorDetails($"{denied.Message} (connection {where})");
        // One recommendation per run is enough: the next hundred files would repeat it.
        if (exception is StorageException { Kind: StorageErrorKind.Conflict } && ErrorIdPrefix == "GetBronzeFile" && !_recommendedForce
            && (_recommendedForce = true))
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = "Use -Force to overwrite the local file." };
        return record;
    }

    /// <summary>"'default': azure storage at https://account.blob.core.windows.net/container", when a connection is in use.</summary>
    private protected virtual string? ConnectionDescription => null;

    protected void WriteFileError(Exception exception, object? target) => WriteError(ErrorFor(exception, target));

    /// <summary>Every non-terminating error of the module goes through here: redacted, and also a ##vso line in Azure DevOps.</summary>
    protected new void WriteError(ErrorRecord errorRecord)
    {
        Redact(errorRecord);
        AzureDevOpsLog.WriteError(this, errorRecord);
        OnErrorWritten();
        base.WriteError(errorRecord);
    }

    /// <summary>Called for every non-terminating error written (transfer cmdlets count it as a failed item).</summary>
    private protected virtual void OnErrorWritten() { }

    // Every message the module writes goes through the one redactor (SecretRedactor).
    protected new void WriteVerbose(string text) => base.WriteVerbose(SecretRedactor.Redact(text));

    protected new void WriteDebug(string text) => base.WriteDebug(SecretRedactor.Redact(text));

    protected new void WriteWarning(string text) => base.WriteWarning(SecretRedactor.Redact(text));

    /// <summary>Shows the redacted message when the exception's own would reveal a sensitive value.</summary>
    static void Redact(ErrorRecord record)
    {
        var message = record.ErrorDetails?.Message ?? record.Exception?.Message;
        if (message is null) return;
        var redacted = SecretRedactor.Redact(message);
        if (redacted != message)
            record.ErrorDetails = new ErrorDetails(redacted) { RecommendedAction = record.ErrorDetails?.RecommendedAction };
    }

    /// <summary>Every terminating error of the module goes through here: also a ##vso line in Azure DevOps.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    protected new void ThrowTerminatingError(ErrorRecord errorRecord)
    {
        Redact(errorRecord);
        AzureDevOpsLog.WriteError(this, errorRecord);
        base.ThrowTerminatingError(errorRecord);
        throw new InvalidOperationException("ThrowTerminatingError returned."); // never reached: it always throws
    }

    /// <summary>Unwraps the aggregate and task layers so the record shows the real failure.</summary>
    protected static Exception Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => exception,
    };

    internal static (string Problem, ErrorCategory Category) Classify(Exception exception) => Unwrap(exception) switch
    {
        StorageLocalIOException { InnerException: UnauthorizedAccessException } => ("LocalAccessDenied", ErrorCategory.PermissionDenied),
        StorageLocalIOException local => ("LocalIOError", local.Reading ? ErrorCategory.ReadError : ErrorCategory.WriteError),
        StorageException storage => storage.Kind switch
        {
            StorageErrorKind.NotFound => ("NotFound", ErrorCategory.ObjectNotFound),
            StorageErrorKind.AccessDenied => ("AccessDenied", ErrorCategory.PermissionDenied),
            StorageErrorKind.Conflict => ("AlreadyExists", ErrorCategory.ResourceExists),
            StorageErrorKind.Transient => ("TransientFailure", ErrorCategory.ConnectionError),
            StorageErrorKind.InvalidPath => ("InvalidPath", ErrorCategory.InvalidArgument),
            StorageErrorKind.IntegrityMismatch => ("IntegrityMismatch", ErrorCategory.InvalidResult),
            StorageErrorKind.ContainerNotFound => ("ContainerNotFound", ErrorCategory.ObjectNotFound),
            StorageErrorKind.CircuitOpen => ("CircuitOpen", ErrorCategory.ResourceUnavailable),
            StorageErrorKind.Configuration => ("InvalidConfiguration", ErrorCategory.InvalidData),
            StorageErrorKind.SourceChanged => ("SourceChanged", ErrorCategory.InvalidData),
            StorageErrorKind.DecryptionFailed => ("DecryptionFailed", ErrorCategory.SecurityError),
            _ => ("Failed", ErrorCategory.NotSpecified),
        },
        ConfigException => ("InvalidConfiguration", ErrorCategory.InvalidData),
        OperationCanceledException => ("Cancelled", ErrorCategory.OperationStopped),
        UnauthorizedAccessException => ("AccessDenied", ErrorCategory.PermissionDenied),
        FileNotFoundException or DirectoryNotFoundException => ("LocalFileNotFound", ErrorCategory.ObjectNotFound),
        IOException => ("IOError", ErrorCategory.WriteError),
        _ => ("Failed", ErrorCategory.NotSpecified),
    };
}
