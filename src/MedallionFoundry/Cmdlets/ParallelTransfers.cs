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

    // Set by every finished transfer. Waiting on it never spins: Task.WaitAny spins before it blocks, and
    // that spinning took ~40% of the pipeline thread (CPU the workers and a local server need) for
    // 2,000 small files, measured.
    readonly ManualResetEventSlim _finished = new(false, spinCount: 0);

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
        var task = Task.Run(start);
        task.ContinueWith(static (_, signal) => ((ManualResetEventSlim)signal!).Set(), _finished,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _running.Add((item, task));
        CompleteFinished();
    }

    /// <summary>Waits for every transfer still running.</summary>
    public void Drain()
    {
        while (_running.Count > 0) CompleteOne();
    }

    void CompleteOne()
    {
        int index;
        while ((index = FinishedIndex()) < 0)
        {
            _finished.Reset();
            if ((index = FinishedIndex()) >= 0) break; // finished between the look and the reset
            if (!_finished.Wait(250)) _onTick?.Invoke();
        }
        Complete(index);
    }

    int FinishedIndex()
    {
        for (var i = 0; i < _running.Count; i++)
            if (_running[i].Task.IsCompleted) return i;
        return -1;
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
