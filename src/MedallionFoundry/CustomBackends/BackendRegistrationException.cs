using System.Management.Automation;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// A custom backend could not be registered. <see cref="Problem"/> completes the error id
/// (RegisterBronzeStorageBackend&lt;Problem&gt;, e.g. TypeNotFound, MissingMethod, WrongParameters).
/// </summary>
public sealed class BackendRegistrationException : Exception
{
    public BackendRegistrationException(string problem, ErrorCategory category, string message, Exception? inner = null)
        : base(message, inner)
    {
        Problem = problem;
        Category = category;
    }

    public string Problem { get; }

    public ErrorCategory Category { get; }
}
