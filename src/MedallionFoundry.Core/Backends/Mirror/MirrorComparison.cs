using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Mirror;

/// <summary>One file the targets of a mirror do not agree on (Test-BronzeMirror).</summary>
public sealed record MirrorDifference
{
    /// <summary>The path, relative to each target's prefix.</summary>
    public required string Path { get; init; }

    /// <summary>"Missing" (some targets lack it) or "SizeDiffers" (all have it, with different listed sizes).</summary>
    public required string Status { get; init; }

    /// <summary>The targets that have it ("target 1 (s3 at …)").</summary>
    public IReadOnlyList<string> PresentOn { get; init; } = Array.Empty<string>();

    /// <summary>The targets that lack it.</summary>
    public IReadOnlyList<string> MissingOn { get; init; } = Array.Empty<string>();

    /// <summary>Its listed size on each target that has it, in target order.</summary>
    public IReadOnlyList<long> Sizes { get; init; } = Array.Empty<long>();

    public override string ToString() => $"{Path}: {Status}";
}

public static class MirrorComparison
{
    /// <summary>The mirror under a store's layers, or null when the store is not a mirror.</summary>
    public static MirrorBackend? MirrorOf(StorageBackend backend) => backend switch
    {
        MirrorBackend mirror => mirror,
        StorageLayer layer => MirrorOf(layer.Inner),
        _ => null,
    };

    /// <summary>Lists every target below <paramref name="relativePrefix"/> and returns the paths they do not agree on,
    /// in path order. Sizes are compared as each target lists them (a target with its own compress layer lists
    /// stored sizes). Holds one listing per target in memory.</summary>
    public static async Task<IReadOnlyList<MirrorDifference>> CompareAsync(MirrorBackend mirror, string relativePrefix, CancellationToken cancellationToken)
    {
        var listings = await Task.WhenAll(mirror.Members.Select(t => ListAsync(t, relativePrefix, cancellationToken))).ConfigureAwait(false);
        var differences = new List<MirrorDifference>();
        foreach (var path in listings.SelectMany(l => l.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var present = mirror.Members.Where((_, i) => listings[i].ContainsKey(path)).ToList();
            var sizes = listings.Where(l => l.ContainsKey(path)).Select(l => l[path]).ToList();
            var status = present.Count < mirror.Members.Count ? "Missing" : sizes.Distinct().Count() > 1 ? "SizeDiffers" : null;
            if (status is null) continue;
            differences.Add(new MirrorDifference
            {
                Path = path, Status = status, Sizes = sizes,
                PresentOn = present.Select(t => t.Name).ToList(),
                MissingOn = mirror.Members.Except(present).Select(t => t.Name).ToList(),
            });
        }
        return differences;
    }

    static async Task<Dictionary<string, long>> ListAsync(MirrorTarget target, string relativePrefix, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, long>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await target.Backend.ListPageAsync(target.KeyOf(relativePrefix), new ListOptions { Recursive = true }, token, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Objects.Where(o => !o.IsPrefix)) files[target.PathOf(item.Key)] = item.Size;
            token = page.NextToken;
        }
        while (token is not null);
        return files;
    }
}
