namespace MedallionFoundry.Health;

/// <summary>What Test-BronzeStorage found: one entry per check, the backend's capabilities. Holds no secrets.</summary>
public sealed class BronzeHealthReport
{
    public string Connection { get; init; } = "";
    public string Backend { get; init; } = "";
    public string Location { get; init; } = "";
    public string Prefix { get; init; } = "";

    /// <summary>True when every check succeeded.</summary>
    public bool Healthy => Checks.Count > 0 && Checks.All(c => c.Success);

    /// <summary>The remote path of the temporary object the checks used (removed afterwards).</summary>
    public string TestPath { get; init; } = "";

    public IReadOnlyList<BronzeHealthCheck> Checks { get; init; } = Array.Empty<BronzeHealthCheck>();

    public int MaxDeleteBatchSize { get; init; }
    public int DefaultConcurrency { get; init; }

    /// <summary>Sum of the checks' latencies.</summary>
    public double TotalMs => Math.Round(Checks.Sum(c => c.LatencyMs), 1);

    /// <summary>The first failed check's error, or null.</summary>
    public string? Error => Checks.FirstOrDefault(c => !c.Success)?.Error;

    public BronzeHealthCheck? this[string name] => Checks.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One check (Write, Stat, List, Read, Delete): whether it worked and how long it took.</summary>
public sealed class BronzeHealthCheck
{
    public string Name { get; init; } = "";
    public bool Success { get; init; }
    public double LatencyMs { get; init; }
    public string? Error { get; init; }

    public override string ToString() => Success ? $"{Name}: ok ({LatencyMs} ms)" : $"{Name}: FAILED ({Error})";
}
