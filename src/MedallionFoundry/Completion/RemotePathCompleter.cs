using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MedallionFoundry.Session;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Commands;

/// <summary>
/// Completes remote paths one level at a time from the connection in use: one short listing,
/// at most 200 entries, given up after two seconds. Never throws: no connection means no completions.
/// </summary>
public sealed class RemotePathCompleter : IArgumentCompleter
{
    const int MaxResults = 200;
    static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var store = FindStore(fakeBoundParameters);
            if (store is null) return Array.Empty<CompletionResult>();
            var word = (wordToComplete ?? "").Trim('\'', '"').Replace('\\', '/');
            var prefix = RemotePath.NormalizePrefix(word);
            using var timeout = new CancellationTokenSource(Budget);
            return ListOneLevel(store, prefix, timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>(); // completion must never surface an error
        }
    }

    static BronzeStore? FindStore(IDictionary bound)
    {
        if (bound["Connection"] is string name && BronzeConnections.TryGet(name, out var named)) return named.Store;
        return BronzeConnections.Current?.Store;
    }

    static async Task<IEnumerable<CompletionResult>> ListOneLevel(BronzeStore store, string prefix, CancellationToken cancellationToken)
    {
        var results = new List<CompletionResult>();
        var options = new ListOptions { Recursive = false, PageSize = MaxResults };
        await foreach (var item in store.ListAsync(prefix, options, cancellationToken).ConfigureAwait(false))
        {
            var text = item.Path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or '(' or ')' or '{' or '}' or ';' or ',' or '&' or '|')
                ? $"'{item.Path.Replace("'", "''")}'"
                : item.Path;
            var label = item.Path.TrimEnd('/');
            label = label[(label.LastIndexOf('/') + 1)..] + (item.IsPrefix ? "/" : "");
            results.Add(new CompletionResult(text, label, item.IsPrefix ? CompletionResultType.ProviderContainer : CompletionResultType.ProviderItem, item.Path));
            if (results.Count >= MaxResults) break;
        }
        return results;
    }
}
