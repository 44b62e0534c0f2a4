using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MedallionFoundry.Storage;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// Runs a script backend's operations in a runspace pool of its own. Backend calls arrive from
/// worker threads (parallel transfers) and never touch the caller's runspace: scripts are
/// re-created from their text in the pool's runspaces, so they see only their parameters
/// ($Config included) and the module they came from, never the caller's variables.
/// $ErrorActionPreference is Stop there, so any error ends the operation.
/// </summary>
internal sealed class ScriptRunner : IDisposable
{
    readonly RunspacePool _pool;
    readonly string _backend;

    public ScriptRunner(string backend, string? module, int throttleLimit)
    {
        _backend = backend;
        var state = InitialSessionState.CreateDefault2();
        state.Variables.Add(new SessionStateVariableEntry("ErrorActionPreference", ActionPreference.Stop, "Any error ends the backend operation."));
        state.Variables.Add(new SessionStateVariableEntry("ProgressPreference", ActionPreference.SilentlyContinue, "No progress records from worker runspaces."));
        if (module is not null) state.ImportPSModule(new[] { module });
        state.ThrowOnRunspaceOpenError = true;
        _pool = RunspaceFactory.CreateRunspacePool(state);
        _pool.SetMaxRunspaces(Math.Max(1, throttleLimit));
        try
        {
            _pool.Open();
        }
        catch (Exception ex)
        {
            _pool.Dispose();
            throw new StorageException(StorageErrorKind.Configuration,
                $"The script backend '{backend}' cannot start its runspaces{(module is null ? "" : $" (module '{module}')")}: {ex.Message}", null, ex);
        }
    }

    /// <summary>Runs one operation with named arguments; errors come back as typed storage exceptions.</summary>
    public async Task<Collection<PSObject>> InvokeAsync(ScriptCall call, IReadOnlyDictionary<string, object?> arguments, string? key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var ps = PowerShell.Create();
        ps.RunspacePool = _pool;
        if (call.FunctionName is not null) ps.AddCommand(call.FunctionName);
        else ps.AddScript(call.ScriptText!, useLocalScope: true);
        foreach (var (name, value) in arguments) ps.AddParameter(name, value);

        PSDataCollection<PSObject> output;
        using (cancellationToken.Register(() => { try { ps.BeginStop(null, null); } catch (InvalidOperationException) { } }))
        {
            try
            {
                var pending = ps.BeginInvoke();
                output = await Task.Factory.FromAsync(pending, ps.EndInvoke).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RuntimeException or PipelineStoppedException or InvalidRunspacePoolStateException)
            {
                throw ScriptErrorTranslator.Translate(ex, null, _backend, call.Operation, key, cancellationToken);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
        {
            var record = ps.Streams.Error[0];
            throw ScriptErrorTranslator.Translate(record.Exception, record, _backend, call.Operation, key, cancellationToken);
        }
        return new Collection<PSObject>(output.Where(o => o is not null).ToList());
    }

    public void Dispose() => _pool.Dispose();
}
