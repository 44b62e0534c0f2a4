namespace MedallionFoundry.Config;

/// <summary>
/// Catches keys the module does not know. A near miss of a declared key (edit distance of at most 2,
/// at most 1 for keys shorter than 6 characters, case ignored, or the same words in another order)
/// is an error with a suggestion. Other unknown keys under platform.bronze are allowed (the
/// framework's own configs carry keys such as partitioning there) and returned for -Verbose; an
/// unknown key inside a section the module owns entirely is an error.
/// </summary>
public static class KeyCheck
{
    /// <param name="platform">The "platform" section.</param>
    /// <param name="known">Every declared option (all backends, shared ones included): their keys are never unknown.</param>
    /// <param name="owned">Sections owned entirely: the chosen backend's own and those of the shared options.</param>
    /// <returns>Unknown keys that are allowed ("platform.bronze.partitioning (line 7)"), for -Verbose.</returns>
    public static IReadOnlyList<string> Check(ConfigSection platform, IReadOnlyCollection<OptionDeclaration> known, IReadOnlyCollection<string> owned)
    {
        var ignored = new List<string>();
        var sections = known.Select(o => o.Section).Distinct(StringComparer.Ordinal).ToList();

        // Section names beside bronze (s3_conection) and below it (retry) are keys too.
        var platformSections = sections.Where(s => s.Count(c => c == '.') == 1).Select(Last).Append("bronze").Distinct().ToList();
        foreach (var key in platform.Keys)
            if (!platformSections.Contains(key, StringComparer.Ordinal) && NearestMiss(key, platformSections) is { } meant)
                throw NotKnown(platform, key, meant);

        if (platform.Find(OptionDeclaration.BronzeSection) is { } bronze)
        {
            var bronzeKeys = KeysOf(known, sections, OptionDeclaration.BronzeSection);
            foreach (var key in bronze.Keys)
            {
                if (bronzeKeys.Contains(key, StringComparer.Ordinal)) continue;
                if (NearestMiss(key, bronzeKeys) is { } meant) throw NotKnown(bronze, key, meant);
                ignored.Add(bronze.LineOf(key) is { } line && bronze.File is not null ? $"{bronze.KeyPath(key)} (line {line})" : bronze.KeyPath(key));
            }
        }

        foreach (var path in owned)
        {
            if (platform.Find(path) is not { } section) continue;
            var keys = KeysOf(known, sections, path);
            foreach (var key in section.Keys)
            {
                if (keys.Contains(key, StringComparer.Ordinal)) continue;
                if (NearestMiss(key, keys) is { } meant) throw NotKnown(section, key, meant);
                throw section.Error(key, $"'{section.KeyPath(key)}' is not a known key of '{path}'. Known keys: {string.Join(", ", keys.Order(StringComparer.Ordinal))}.");
            }
        }
        return ignored;
    }

    /// <summary>Keys of a section: its declared options and the sections directly below it.</summary>
    static List<string> KeysOf(IEnumerable<OptionDeclaration> known, IEnumerable<string> sections, string path) =>
        known.Where(o => o.Section == path).Select(o => o.Key)
            .Concat(sections.Where(s => s.StartsWith(path + ".", StringComparison.Ordinal)).Select(s => s[(path.Length + 1)..].Split('.')[0]))
            .Distinct(StringComparer.Ordinal).ToList();

    static ConfigException NotKnown(ConfigSection section, string key, string meant) =>
        section.Error(key, $"'{section.KeyPath(key)}' is not a known key; did you mean '{meant}'?");

    static string Last(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>The declared key <paramref name="written"/> most likely meant, or null when none is close.</summary>
    public static string? NearestMiss(string written, IEnumerable<string> declared)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in declared)
        {
            if (candidate == written) return null;
            var distance = SameWordsReordered(written, candidate) ? 0 : Distance(written.ToLowerInvariant(), candidate.ToLowerInvariant());
            var allowed = candidate.Length < 6 ? 1 : 2;
            if (distance <= allowed && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    static bool SameWordsReordered(string a, string b)
    {
        var wa = a.ToLowerInvariant().Split('_', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        var wb = b.ToLowerInvariant().Split('_', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        return a.Contains('_') && wa.SequenceEqual(wb);
    }

    /// <summary>Edit distance with adjacent transpositions (optimal string alignment).</summary>
    static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2) return int.MaxValue; // never a near miss; keeps it cheap
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
