using System.Collections.Concurrent;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Session;

/// <summary>
/// The connections Connect-BronzeStorage made, by name; the last one made is current. Process-wide,
/// so ForEach-Object -Parallel and thread jobs reuse the same clients.
/// </summary>
internal static class BronzeConnections
{
    static readonly ConcurrentDictionary<string, BronzeConnection> Connections = new(StringComparer.OrdinalIgnoreCase);
    static volatile string? _current;

    public static string? CurrentName => _current;

    public static IReadOnlyList<BronzeConnection> All =>
        Connections.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public static IEnumerable<string> Names => Connections.Keys;

    /// <summary>Adds (or replaces) a connection and makes it current. A replaced one is disposed.</summary>
    public static void Add(BronzeConnection connection)
    {
        BronzeConnection? replaced = null;
        Connections.AddOrUpdate(connection.Name, connection, (_, old) => { replaced = old; return connection; });
        _current = connection.Name;
        replaced?.Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    public static bool TryGet(string name, out BronzeConnection connection) => Connections.TryGetValue(name, out connection!);

    public static BronzeConnection? Current => _current is { } name && Connections.TryGetValue(name, out var c) ? c : null;

    public static bool Remove(string name)
    {
        if (!Connections.TryRemove(name, out var removed)) return false;
        if (string.Equals(_current, name, StringComparison.OrdinalIgnoreCase))
            _current = Connections.Keys.LastOrDefault();
        removed.Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return true;
    }
}

/// <summary>One named connection: the store and where its settings came from.</summary>
internal sealed record BronzeConnection(string Name, BronzeStore Store, string? ConfigFile, DateTimeOffset ConnectedAt);
