using System.Runtime.InteropServices;

namespace MedallionFoundry.Isolation;

/// <summary>
/// Gives the C heap's free pages back to the system once, when the module is imported. In about one pwsh
/// start in three, glibc's arenas hold ~10 MiB that pwsh's own start-up freed but kept (measured with
/// mallinfo2: 13 MiB free against 3 MiB in the other starts); the process's resident memory, and so the peak
/// of a transfer that follows, carries them. malloc_trim releases them. It runs on a worker thread: its
/// first call costs ~10 ms (loading the export, the stub, the walk over the arenas) that the import need not wait for.
/// Linux with glibc only: elsewhere (musl, macOS, Windows) there is nothing to call, and nothing is done.
/// </summary>
internal static class NativeHeap
{
    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    static int _released;

    public static void ReleaseFreePagesOnce()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _released, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(static _ => ReleaseFreePages(), null);
    }

    /// <summary>Returns whether glibc gave memory back (false also where there is no glibc).</summary>
    internal static bool ReleaseFreePages()
    {
        try { return MallocTrim(0) == 1; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }
}
