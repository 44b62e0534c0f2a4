namespace MedallionFoundry.Resilience;

/// <summary>
/// Runs every backend operation of a <see cref="Storage.BronzeStore"/>. This base runs it once, as is;
/// the resilient runner adds retries, a circuit breaker, a rate limit and timeouts around the same call.
/// </summary>
public class OperationRunner
{
    public static OperationRunner Direct { get; } = new();

    /// <param name="operation">"upload", "download", "list", "stat", "delete", "delete-many".</param>
    /// <param name="path">The remote path or prefix the operation is about (for messages).</param>
    /// <param name="action">Called once per attempt; must be safe to call again (re-open streams inside it).</param>
    public virtual Task<T> RunAsync<T>(string operation, string? path, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
        => action(cancellationToken);

    /// <summary>As <see cref="RunAsync{T}"/> for one request about <paramref name="items"/> files at once
    /// (a delete-many batch): the resilient runner lets its attempt take longer, in proportion.</summary>
    public virtual Task<T> RunBatchAsync<T>(string operation, string? path, int items, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
        => RunAsync(operation, path, action, cancellationToken);

    /// <summary>Messages about retries and circuit changes since the last call (none here).</summary>
    public virtual IReadOnlyList<string> DrainMessages() => Array.Empty<string>();
}
