using System.Security.Cryptography;

namespace MedallionFoundry.Storage.Resume;

/// <summary>
/// One attempt of a download to a local file that survives interruption. A download of at least
/// <see cref="TransferStates.MinimumSize"/> from a backend that can resume records the object's ETag
/// and size as soon as the backend knows them; a failure, Ctrl+C or a kill then leaves the hidden
/// temporary file and that state. The next attempt (a retry, or the same command run again) asks for
/// the rest with a ranged GET pinned to the same ETag, checks the whole file's MD5 and renames it into
/// place. A changed remote object, a temporary file that is gone or a checksum that fails starts over.
/// Nothing ever appears under the final name before it is complete.
/// </summary>
internal sealed class ResumableDownload(BronzeStore store, string key, string target, bool overwrite, TransferOptions options, Func<string, string> tempPathBeside)
{
    StorageBackend Backend => store.Backend;

    bool Resumable => !options.NoResume && Backend.CanResumeDownloads;

    public async Task<RemoteObject> RunAsync(CancellationToken cancellationToken)
    {
        // A file listed below the resumable size has no state to look for (no stat in the state folder per
        // small file). Were it larger when an earlier run was interrupted, that state and its temporary
        // file are left to the stale clearing (docs/resume.md), and this download starts fresh as it would anyway.
        var listedSmall = options.ExpectedSize is { } expected && expected < TransferStates.MinimumSize;
        if (Backend.CanResumeDownloads && !listedSmall && TransferStates.Find(TransferState.Download, Backend.Location, key, target) is { } state)
        {
            if (options.NoResume) Discard(state);
            else if (await TryResumeAsync(state, cancellationToken).ConfigureAwait(false) is { } resumed) return resumed;
        }
        return await FreshAsync(cancellationToken).ConfigureAwait(false);
    }

    async Task<RemoteObject> FreshAsync(CancellationToken cancellationToken)
    {
        var temp = tempPathBeside(target);
        TransferState? state = null;
        var attempt = new TransferOptions
        {
            Progress = options.Progress,
            NoResume = options.NoResume,
            ExpectedSize = options.ExpectedSize,
            Started = found =>
            {
                if (!Resumable || found.Size < TransferStates.MinimumSize || string.IsNullOrEmpty(found.ETag)) return;
                var started = new TransferState
                {
                    Kind = TransferState.Download, Backend = Backend.BackendType, Location = Backend.Location,
                    Key = key, LocalPath = target, TempPath = temp, ETag = found.ETag, Size = found.Size,
                };
                if (TransferStates.Save(started)) state = started; // else: not resumable, the temp file goes on failure
            },
            PrefixComplete = prefix =>
            {
                if (state is not { } recorded) return;
                recorded.CompletePrefix = prefix;
                TransferStates.Save(recorded);
            },
        };
        RemoteObject stored;
        try
        {
            stored = await Backend.DownloadFileAsync(key, temp, attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (state is not null && TransferStates.KeepsState(ex))
        {
            throw; // the temporary file and its state stay for the next attempt
        }
        catch
        {
            BronzeStore.TryDelete(temp);
            if (state is not null) TransferStates.Delete(state);
            throw;
        }
        Finish(temp, state);
        return stored;
    }

    /// <summary>The rest of an interrupted download, or null when it must start over (the state is then gone).</summary>
    async Task<RemoteObject?> TryResumeAsync(TransferState state, CancellationToken cancellationToken)
    {
        var temp = state.TempPath;
        if (temp is null || !File.Exists(temp) || !SameFolder(temp, target) || state.ETag is null)
        {
            Discard(state);
            return null;
        }
        var remote = await Backend.StatAsync(key, cancellationToken).ConfigureAwait(false);
        var have = Math.Min(new FileInfo(temp).Length, state.CompletePrefix ?? long.MaxValue);
        if (remote is null || remote.ETag != state.ETag || remote.Size != state.Size || have > state.Size)
        {
            Discard(state); // the remote object changed (or vanished): start over
            return null;
        }

        if (state.CompletePrefix is not null)
        {
            // Past a parallel download's complete prefix there may be holes: cut them off first, then the
            // rest comes in order and all of the file counts.
            using (var cut = File.OpenHandle(temp, FileMode.Open, FileAccess.Write)) RandomAccess.SetLength(cut, have);
            state.CompletePrefix = null;
        }
        TransferStates.Save(state); // progress: the state is alive, not stale
        options.Progress?.Report(have);
        if (have < state.Size)
        {
            try
            {
                await using var file = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                file.Seek(have, SeekOrigin.Begin);
                await Backend.DownloadRangeAsync(key, have, state.ETag, file, options, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageConflictException)
            {
                Discard(state); // it changed between the check and the ranged GET
                return null;
            }
            catch (Exception ex) when (TransferStates.KeepsState(ex)) { throw; }
            catch { Discard(state); throw; }
        }

        if (new FileInfo(temp).Length != state.Size
            || (remote.ContentMD5 is { } expected && expected != await Md5OfFileAsync(temp, cancellationToken).ConfigureAwait(false)))
        {
            Discard(state); // the kept bytes were damaged (a crash of the machine): start over
            return null;
        }
        Finish(temp, state);
        return remote;
    }

    void Finish(string temp, TransferState? state)
    {
        try { File.Move(temp, target, overwrite); }
        catch
        {
            BronzeStore.TryDelete(temp); // (after a move that worked there is nothing to delete: no stat per file)
            throw;
        }
        finally
        {
            if (state is not null) TransferStates.Delete(state);
        }
    }

    /// <summary>Drops an interrupted download: its temporary file and its state.</summary>
    internal static void Discard(TransferState state)
    {
        if (state.TempPath is { } temp && TempFileNames.IsTempName(Path.GetFileName(temp))) BronzeStore.TryDelete(temp);
        TransferStates.Delete(state);
    }

    static bool SameFolder(string temp, string target) =>
        string.Equals(Path.GetDirectoryName(Path.GetFullPath(temp)), Path.GetDirectoryName(target), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    internal static async Task<string> Md5OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToBase64String(await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
