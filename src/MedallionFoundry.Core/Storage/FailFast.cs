using System.Runtime.ExceptionServices;

namespace MedallionFoundry.Storage;

/// <summary>
/// Parts of one transfer sent in parallel, stopped together at the first failure, which is remembered.
/// The loop that hands out parts often sees only the cancellation the failure caused (it was waiting for a
/// free slot); reported as is, that cancellation reads as a timeout, and a refusal gets retried.
/// <see cref="ThrowCause"/> reports the part's own error instead.
/// </summary>
internal sealed class FailFast(CancellationToken outer) : IDisposable
{
    readonly CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
    Exception? _first;

    public CancellationToken Token => _source.Token;

    /// <summary>A part failed: remember it if it is the first (not a casualty of the stop), and stop the others.</summary>
    public void Fail(Exception error)
    {
        if (!_source.IsCancellationRequested) Interlocked.CompareExchange(ref _first, error, null);
        _source.Cancel();
    }

    public void Cancel() => _source.Cancel();

    /// <summary>The error to report for <paramref name="caught"/>: the first part's failure when there was one.</summary>
    public Exception CauseOf(Exception caught) => _first ?? caught;

    /// <summary>Throws the first part's failure when it is not <paramref name="caught"/>; returns otherwise (then rethrow).</summary>
    public void ThrowCause(Exception caught)
    {
        if (_first is { } first && !ReferenceEquals(first, caught)) ExceptionDispatchInfo.Throw(first);
    }

    public void Dispose() => _source.Dispose();
}
