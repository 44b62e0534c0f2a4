using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MedallionFoundry.Session;

namespace MedallionFoundry.Commands;

/// <summary>Completes -Connection and -Name with the open connection names.</summary>
public sealed class ConnectionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        BronzeConnections.Names
            .Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
