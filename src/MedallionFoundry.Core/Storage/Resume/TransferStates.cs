using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MedallionFoundry.Storage.Resume;

/// <summary>
/// The per-user folder of resumable transfer states: one small JSON file per transfer, named by a
/// hash of (kind, connection target, key, local path), so the same command finds its own state again.
/// Writes are atomic (a new file renamed over the old), so a kill at any moment leaves a readable state.
/// </summary>
public static class TransferStates
{
    /// <summary>Environment variable that moves the folder (tests, shared agents).</summary>
    public const string FolderVariable = "MEDALLIONFOUNDRY_TRANSFER_STATE_PATH";

    /// <summary>Transfers smaller than this start over (a resume would not save much).</summary>
    public const long MinimumSize = 8L << 20;

    /// <summary>~/.local/share/MedallionFoundry/transfers on Linux, %LOCALAPPDATA%\MedallionFoundry\transfers on Windows.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } custom
            ? custom
            // DoNotVerify: no mkdir per lookup (Find runs per downloaded file); Save creates the folder.
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "MedallionFoundry", "transfers");

    /// <summary>A state older than this (since its last progress) is cleared: <see cref="TempFileNames.StaleAge"/>, the module's one age for leftovers.</summary>
    public static TimeSpan MaxAge => TempFileNames.StaleAge;

    public static string PathFor(string kind, string location, string key, string localPath)
    {
        var local = Path.GetFullPath(localPath);
        if (OperatingSystem.IsWindows()) local = local.ToUpperInvariant();
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{location}\n{key}\n{local}")))[..32].ToLowerInvariant();
        return Path.Combine(Folder, $"{kind}-{id}.json");
    }

    /// <summary>The state of this transfer, or null (also for an unreadable one, which is removed).</summary>
    public static TransferState? Find(string kind, string location, string key, string localPath) =>
        Read(PathFor(kind, location, key, localPath));

    /// <summary>Saves the state; best effort: a folder that cannot be written makes the transfer not
    /// resumable, never failed (false then).</summary>
    public static bool Save(TransferState state)
    {
        state.FilePath ??= PathFor(state.Kind, state.Location, state.Key, state.LocalPath);
        state.UpdatedUtc = DateTime.UtcNow;
        var temp = $"{state.FilePath}.{Guid.NewGuid():N}.tmp";
        try
        {
            var folder = Path.GetDirectoryName(state.FilePath)!;
            // Only its user reads the folder: states name local paths and remote keys (never a secret).
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
            else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllBytes(temp, TransferStateJson.Write(state));
            File.Move(temp, state.FilePath, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            return false;
        }
    }

    /// <summary>Removes the state file (not what it points to); best effort.</summary>
    public static void Delete(TransferState state)
    {
        try { if (state.FilePath is { } path) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Every readable state in the folder, oldest first.</summary>
    public static IReadOnlyList<TransferState> All()
    {
        if (!Directory.Exists(Folder)) return [];
        return Directory.EnumerateFiles(Folder, "*.json")
            .Select(Read).OfType<TransferState>()
            .OrderBy(s => s.UpdatedUtc).ToList();
    }

    /// <summary>Whether a transfer that failed with <paramref name="mapped"/> (a storage error, already mapped)
    /// keeps its state: an interruption worth continuing from (Ctrl+C, a dropped connection, a server
    /// hiccup), not bytes that failed their check, a missing object, a refusal or a full disk.</summary>
    public static bool KeepsState(Exception mapped) => mapped is OperationCanceledException || mapped is StorageException { IsTransient: true };

    public static bool IsStale(TransferState state, DateTime nowUtc) => nowUtc - state.UpdatedUtc > MaxAge;

    static TransferState? Read(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var state = TransferStateJson.Read(File.ReadAllBytes(path));
            state.FilePath = path;
            return state;
        }
        catch (JsonException)
        {
            try { File.Delete(path); } catch (IOException) { } // a state that cannot be read cannot be resumed
            return null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
