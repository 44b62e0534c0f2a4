using System.Security.Cryptography;

namespace MedallionFoundry.Tests.Contract;

/// <summary>Deterministic test bytes and scratch folders.</summary>
public static class TestData
{
    public static byte[] Bytes(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data));

    public static string Sha256File(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>A new empty folder under the system temp folder.</summary>
    public static string TempFolder(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "mf-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A unique lower-case name part, valid as an S3 key part and an Azure blob name part.</summary>
    public static string UniqueName(string purpose) => $"{purpose}-{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 13, purpose.Length + 33)];

    /// <summary>Runs a bash command in <paramref name="folder"/> (for file system shapes .NET will not make); throws when it fails.</summary>
    public static void RunShell(string folder, string command)
    {
        var info = new System.Diagnostics.ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = folder, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"bash -c '{command}' failed ({process.ExitCode}): {error}");
    }

    /// <summary>Waits until <paramref name="condition"/> holds: a test that needs one event to happen before
    /// another waits for the first to be seen, not for a fixed time that a loaded machine can overrun.</summary>
    public static async Task WaitUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"{what}: not seen within {limit.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    /// <summary>"40.0 MiB": a byte count for test output.</summary>
    public static string MiB(long bytes) => $"{bytes / 1048576.0:0.0} MiB";
}
