namespace MedallionFoundry.Session;

/// <summary>What Get-BronzeStorage shows about a connection. Holds no secrets.</summary>
public sealed class BronzeStorageInfo
{
    public string Name { get; init; } = "";
    public string Backend { get; init; } = "";
    public string Location { get; init; } = "";
    public string Prefix { get; init; } = "";
    public bool IsCurrent { get; init; }
    public string? ConfigFile { get; init; }
    public DateTimeOffset ConnectedAt { get; init; }

    internal static BronzeStorageInfo From(BronzeConnection connection) => new()
    {
        Name = connection.Name,
        Backend = connection.Store.BackendType,
        Location = connection.Store.Backend.Location,
        Prefix = connection.Store.Prefix,
        IsCurrent = string.Equals(BronzeConnections.CurrentName, connection.Name, StringComparison.OrdinalIgnoreCase),
        ConfigFile = connection.ConfigFile,
        ConnectedAt = connection.ConnectedAt,
    };
}
