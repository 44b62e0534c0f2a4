using System.Collections.Concurrent;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Session;

/// <summary>
/// The connections Connect-BronzeStorage made, by name. The current one is the one most recently
/// connected or chosen with Use-BronzeStorage; when it is closed, the most recent of the others becomes
/// current (or none). Process-wide, so ForEach-Object -Parallel and thread jobs reuse the same clients.
/// </summary>
internal static class BronzeConnections
{
    static readonly ConcurrentDictionary<string, BronzeConnection> Connections = new(StringComparer.OrdinalIgnoreCase);
    // Names, most recently connected or used first; guarded by itself.
    static readonly List<string> Recent = new();

    public static string? CurrentName
    {
        get { lock (Recent) return Recent.Count > 0 ? Recent[0] : null; }
    }

    public static IReadOnlyList<BronzeConnection> All =>
        Connections.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public static IEnumerable<string> Names => Connections.Keys;

    /// <summary>Adds (or replaces) a connection and makes it current. A replaced one is disposed.</summary>
    public static void Add(BronzeConnection connection)
    {
        BronzeConnection? replaced = null;
        Connections.AddOrUpdate(connection.Name, connection, (_, old) => { replaced = old; return connection; });
        MakeCurrent(connection.Name);
        replaced?.Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    public static bool TryGet(string name, out BronzeConnection connection) => Connections.TryGetValue(name, out connection!);

    public static BronzeConnection? Current => CurrentName is { } name && Connections.TryGetValue(name, out var c) ? c : null;

    /// <summary>Makes an open connection current (Use-BronzeStorage); false when there is none by that name.</summary>
    public static bool Use(string name)
    {
        if (!Connections.ContainsKey(name)) return false;
        MakeCurrent(name);
        return true;
    }

    public static bool Remove(string name)
    {
        if (!Connections.TryRemove(name, out var removed)) return false;
        lock (Recent) Recent.RemoveAll(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        removed.Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return true;
    }

    static void MakeCurrent(string name)
    {
        lock (Recent)
        {
            Recent.RemoveAll(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            Recent.Insert(0, name);
        }
    }
}

/// <summary>One named connection: the store and where its settings came from.</summary>
internal sealed record BronzeConnection(string Name, BronzeStore Store, string? ConfigFile, DateTimeOffset ConnectedAt);
