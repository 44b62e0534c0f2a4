namespace MedallionFoundry.Commands;

/// <summary>
/// Runs up to <c>limit</c> transfers at once while the cmdlet keeps receiving pipeline input.
/// Completions are handed back on the pipeline thread (inside Add and Drain), so the cmdlet can
/// call WriteObject/WriteError from its callback; worker threads never write.
/// </summary>
internal sealed class ParallelTransfers<TItem, TResult>
{
    readonly int _limit;
    readonly Action<TItem, Task<TResult>> _onCompleted;
    readonly Action? _onTick;
    readonly List<(TItem Item, Task<TResult> Task)> _running = new();

    /// <param name="onCompleted">Called on the pipeline thread with each finished (or failed) task.</param>
    /// <param name="onTick">Called on the pipeline thread a few times a second while waiting (progress).</param>
    public ParallelTransfers(int limit, Action<TItem, Task<TResult>> onCompleted, Action? onTick = null)
    {
        _limit = Math.Max(1, limit);
        _onCompleted = onCompleted;
        _onTick = onTick;
    }

    public int Running => _running.Count;

    /// <summary>Waits until a transfer may start (completions run their callbacks meanwhile). Call it
    /// before deciding to start one, so a failure that just completed is seen first.</summary>
    public void WaitForSlot()
    {
        while (_running.Count >= _limit) CompleteOne();
    }

    /// <summary>Starts a transfer; first waits for one to finish when the limit is reached.</summary>
    public void Add(TItem item, Func<Task<TResult>> start)
    {
        WaitForSlot();
        _running.Add((item, Task.Run(start)));
        CompleteFinished();
    }

    /// <summary>Waits for every transfer still running.</summary>
    public void Drain()
    {
        while (_running.Count > 0) CompleteOne();
    }

    void CompleteOne()
    {
        var tasks = _running.Select(r => (Task)r.Task).ToArray();
        int index;
        while ((index = Task.WaitAny(tasks, 250)) < 0) _onTick?.Invoke();
        Complete(index);
    }

    void CompleteFinished()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
            if (_running[i].Task.IsCompleted) Complete(i);
    }

    void Complete(int index)
    {
        var (item, task) = _running[index];
        _running.RemoveAt(index);
        _onCompleted(item, task);
    }
}
