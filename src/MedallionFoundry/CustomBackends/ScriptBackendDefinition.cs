namespace MedallionFoundry.CustomBackends;

/// <summary>
/// What Register-BronzeStorageBackend was given for a PowerShell-script backend: either the text of
/// the scriptblocks by operation name ("Upload", "Download", ...) or a module defining the functions.
/// </summary>
public sealed class ScriptBackendDefinition
{
    public required CustomBackendOptions Options { get; init; }

    /// <summary>Scriptblock form: operation name -> script text (ScriptBlock.ToString()).</summary>
    public IReadOnlyDictionary<string, string> Scripts { get; init; } = new Dictionary<string, string>();

    /// <summary>Module form: a module name (found on PSModulePath) or the full path of a .psm1/.psd1.</summary>
    public string? Module { get; init; }

    /// <summary>Most runspaces (so operations) the backend runs at once; also its default transfer concurrency.</summary>
    public int ThrottleLimit { get; init; } = 4;
}
