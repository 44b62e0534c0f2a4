using System.Text;

namespace MedallionFoundry.Config;

/// <summary>
/// The key tables of the docs, written from the declarations. docs/configuration.md and
/// docs/backends/*.md hold them between <c>&lt;!-- options:NAME --&gt;</c> and <c>&lt;!-- /options --&gt;</c>;
/// a test fails when a page differs from this output (and rewrites it with MF_UPDATE_DOCS=1).
/// </summary>
public static class OptionDocs
{
    public const string Generated = "<!-- Generated from the option declarations: do not edit by hand (MF_UPDATE_DOCS=1 dotnet test --filter OptionDocs). -->";

    /// <summary>One row per option: key (relative to platform.bronze, or to platform), type, default, allowed values, parameter, meaning.</summary>
    public static string Table(IEnumerable<OptionDeclaration> options)
    {
        var text = new StringBuilder(Generated).Append('\n');
        text.Append("| Key | Type | Default | Allowed | Parameter | Meaning |\n");
        text.Append("|---|---|---|---|---|---|\n");
        foreach (var o in options)
        {
            var type = o.Type.ToString() + (o.Sensitive ? " (secret)" : "");
            var meaning = o.Help + (o.OneOfGroup is { } group ? $" One of the {group} options must be set." : "");
            text.Append($"| `{o.ShortKey}` | {type} | {Cell(o.Default)} | {Cell(o.Range)} | {(o.Parameter is { } p ? $"`-{p}`" : "")} | {Cell(meaning)} |\n");
        }
        return text.ToString();
    }

    /// <summary>The summary of the backends: their required keys and the sections they own.</summary>
    public static string BackendSummary(IEnumerable<(string Name, IReadOnlyList<OptionDeclaration> Options, IReadOnlyList<string> Sections, string Page)> backends)
    {
        var text = new StringBuilder(Generated).Append('\n');
        text.Append("| Backend | Required keys | Sections | Page |\n|---|---|---|---|\n");
        foreach (var (name, options, sections, page) in backends)
        {
            var required = options.Where(o => o.Required).Select(o => $"`{o.ShortKey}`").ToList();
            var groups = options.Where(o => o.OneOfGroup is not null).GroupBy(o => o.OneOfGroup!)
                .Select(g => $"one {g.Key}: {string.Join(" / ", g.Select(o => $"`{o.Key}`"))}");
            var cells = string.Join(", ", required.Concat(groups).DefaultIfEmpty("none"));
            var owned = string.Join(", ", sections.Select(s => $"`{s}`").DefaultIfEmpty("none"));
            text.Append($"| `{name}` | {cells} | {owned} | [{page}]({page}) |\n");
        }
        return text.ToString();
    }

    static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    /// <summary>Replaces the block between the markers of <paramref name="name"/>; null when the page has no such block.</summary>
    public static string? Replace(string page, string name, string table)
    {
        var begin = $"<!-- options:{name} -->";
        const string end = "<!-- /options -->";
        var start = page.IndexOf(begin, StringComparison.Ordinal);
        if (start < 0) return null;
        var stop = page.IndexOf(end, start, StringComparison.Ordinal);
        if (stop < 0) return null;
        return page[..(start + begin.Length)] + "\n" + table + page[stop..];
    }
}
