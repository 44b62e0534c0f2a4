using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MedallionFoundry.Backends;

namespace MedallionFoundry.Commands;

/// <summary>Completes -Backend with the registered backend names.</summary>
public sealed class BackendNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        BackendRegistry.Default.Names
            .Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
