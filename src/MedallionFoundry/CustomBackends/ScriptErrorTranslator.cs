using System.Management.Automation;
using MedallionFoundry.Storage;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// Turns what a backend script threw into the typed storage errors the cmdlets and the resilience
/// layer understand. A script may also throw a MedallionFoundry.Storage exception itself.
/// </summary>
internal static class ScriptErrorTranslator
{
    public static Exception Translate(Exception exception, ErrorRecord? record, string backend, ScriptOperation operation, string? key, CancellationToken cancellationToken)
    {
        record ??= (exception as IContainsErrorRecord)?.ErrorRecord;
        var chain = Chain(exception).Concat(record?.Exception is { } e ? Chain(e) : []).ToList();

        if (chain.OfType<StorageException>().FirstOrDefault() is { } typed) return typed;
        if (cancellationToken.IsCancellationRequested && chain.Any(x => x is PipelineStoppedException or OperationCanceledException))
            return new OperationCanceledException($"The {operation.Name} of '{key}' was cancelled.", exception, cancellationToken);

        var reason = Reason(chain, record);
        var target = key ?? "";
        var what = key is null ? $"The {operation.Name} script of the '{backend}' backend failed: {reason}"
            : $"The {operation.Name} script of the '{backend}' backend failed for '{key}': {reason}";
        var category = record?.CategoryInfo.Category ?? ErrorCategory.NotSpecified;
        // A bug in the script (unknown command, bad arguments) is never "object missing" or "try again".
        if (chain.Any(x => x is CommandNotFoundException or ParameterBindingException or ParseException))
            return new StorageException(StorageErrorKind.Unknown, what, key, exception);

        if (chain.Any(x => x is ItemNotFoundException or FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException)
            || category == ErrorCategory.ObjectNotFound)
            return new StorageNotFoundException(key is null ? what : $"The remote file '{key}' does not exist ({reason}).", target, exception);
        if (chain.Any(x => x is UnauthorizedAccessException or System.Security.SecurityException)
            || category is ErrorCategory.PermissionDenied or ErrorCategory.SecurityError)
            return new StorageAccessDeniedException(what, target, exception);
        if (category == ErrorCategory.ResourceExists)
            return new StorageConflictException(what, target, exception);
        if (chain.Any(x => x is TimeoutException or System.Net.Http.HttpRequestException or System.Net.Sockets.SocketException)
            || category is ErrorCategory.OperationTimeout or ErrorCategory.ConnectionError or ErrorCategory.ResourceBusy or ErrorCategory.ResourceUnavailable)
            return new StorageTransientException(what, target, exception);
        return new StorageException(StorageErrorKind.Unknown, what, key, exception);
    }

    /// <summary>The message of the error the script raised, not of the wrappers around it.</summary>
    static string Reason(IReadOnlyList<Exception> chain, ErrorRecord? record)
    {
        if (record?.ErrorDetails?.Message is { Length: > 0 } details) return details;
        var inner = chain.LastOrDefault(x => x is not ActionPreferenceStopException && !string.IsNullOrWhiteSpace(x.Message));
        return (inner ?? chain[0]).Message.Trim();
    }

    static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException) yield return e;
    }
}
