namespace MedallionFoundry.Storage;

/// <summary>What <see cref="DestinationClaims.Claim"/> decided.</summary>
public enum ClaimResult
{
    /// <summary>The destination was free: transfer.</summary>
    Claimed,
    /// <summary>The same source was given again for the same destination: nothing new to transfer.</summary>
    SameSource,
    /// <summary>Another source claimed the destination first: do not transfer this one (an error).</summary>
    Collision,
}

/// <summary>
/// The collision rule of one transfer invocation: each destination (a remote path for uploads, a local
/// file for downloads) is written by one source only, the FIRST that claims it (sources come in a
/// deterministic order); every later different source for it is refused before anything is sent.
/// Destinations are compared after normalisation, with the comparer of the place they land in.
/// Not thread-safe: cmdlets claim on the pipeline thread.
/// </summary>
public sealed class DestinationClaims(StringComparer destinationComparer, StringComparer sourceComparer)
{
    readonly Dictionary<string, string> _sourceOf = new(destinationComparer);

    /// <summary>Remote paths (case-sensitive, as every object store) claimed by local files.</summary>
    public static DestinationClaims ForUpload() => new(StringComparer.Ordinal, LocalLinks.PathComparer);

    /// <summary>Local files (compared as this system's file systems do) claimed by remote paths.</summary>
    public static DestinationClaims ForDownload() => new(LocalLinks.PathComparer, StringComparer.Ordinal);

    public ClaimResult Claim(string destination, string source, out string firstSource)
    {
        if (_sourceOf.TryAdd(destination, source))
        {
            firstSource = source;
            return ClaimResult.Claimed;
        }
        firstSource = _sourceOf[destination];
        return sourceComparer.Equals(firstSource, source) ? ClaimResult.SameSource : ClaimResult.Collision;
    }
}

/// <summary>Two sources of one invocation would land on one destination; the later one is not transferred.</summary>
public sealed class DestinationCollisionException(string destination, string firstSource, string source)
    : IOException($"'{source}' and '{firstSource}' both go to '{destination}'. Only the first, '{firstSource}', is transferred.")
{
    public string Destination { get; } = destination;
    public string FirstSource { get; } = firstSource;
    public string LaterSource { get; } = source; // not "Source": Exception.Source is the failing assembly
}
