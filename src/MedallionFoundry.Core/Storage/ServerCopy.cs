namespace MedallionFoundry.Storage;

/// <summary>A backend's answer to "can you copy from that store without the bytes passing through
/// this machine?", with the reason -Verbose shows ("same S3 endpoint and credentials").</summary>
public readonly record struct ServerCopySupport(bool IsSupported, string Reason)
{
    public static ServerCopySupport Yes(string reason) => new(true, reason);

    public static ServerCopySupport No(string reason) => new(false, reason);
}

/// <summary>What a server-side copy produced: the destination object (Key = destination key, Size,
/// ContentMD5 when known) and whether the source was renamed away (<see cref="CopyOptions.Move"/>).</summary>
public sealed record ServerCopyResult(RemoteObject Destination, bool SourceMoved = false);

/// <summary>How a file was copied.</summary>
public enum CopyMethod
{
    /// <summary>Inside the store: no object byte passed through this machine.</summary>
    ServerSide,

    /// <summary>Read from the source and written to the destination as one stream, hashed on the way.</summary>
    Streamed,
}

/// <summary>One finished copy: both objects, how it was done and why, and what was verified.</summary>
public sealed record CopyResult
{
    public required RemoteObject Source { get; init; }

    public required RemoteObject Destination { get; init; }

    public CopyMethod Method { get; init; }

    /// <summary>Why this method was used ("same S3 endpoint and credentials").</summary>
    public string Reason { get; init; } = "";

    /// <summary>True when the backend renamed the source away (a move within one local store).</summary>
    public bool SourceMoved { get; init; }

    /// <summary>True when the destination's content hash was compared with the source's (or with the
    /// hash of the bytes streamed); sizes are always compared.</summary>
    public bool HashVerified { get; init; }
}
