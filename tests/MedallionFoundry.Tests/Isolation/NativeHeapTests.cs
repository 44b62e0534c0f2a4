using System.Globalization;
using System.Runtime.InteropServices;
using MedallionFoundry.Isolation;

namespace MedallionFoundry.Tests.Isolation;

/// <summary>What Import-Module does for memory: free C-heap pages go back to the system. Alone: another
/// test's thread could share the arena measured here and take its freed chunks, or trim it first.</summary>
[Collection(NativeHeapCollection.Name)]
public sealed class NativeHeapTests
{
    const int Chunk = 64 << 10;   // under glibc's mmap threshold: served from an arena, kept there when freed
    const int Chunks = 512;       // 32 MiB

    [Fact]
    public void Freed_C_heap_pages_go_back_to_the_system()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(NativeHeap.ReleaseFreePages()); // nothing to call there
            return;
        }
        long before = 0, after = 0;
        var fence = IntPtr.Zero;
        // One thread of our own: its allocations come from one arena, the mapping measured below.
        var thread = new Thread(() =>
        {
            var chunks = new IntPtr[Chunks];
            for (var i = 0; i < Chunks; i++)
            {
                chunks[i] = Marshal.AllocHGlobal(Chunk);
                for (var offset = 0; offset < Chunk; offset += 4096) Marshal.WriteByte(chunks[i], offset, 1); // make each page resident
            }
            // The last chunk stays: the freed ones lie below it, so glibc's own trimming of the top cannot return them.
            fence = chunks[^1];
            for (var i = 0; i < Chunks - 1; i++) Marshal.FreeHGlobal(chunks[i]);
            before = ResidentKiB(fence);
            Assert.True(NativeHeap.ReleaseFreePages(), "malloc_trim released nothing");
            after = ResidentKiB(fence);
        });
        thread.Start();
        thread.Join();
        Marshal.FreeHGlobal(fence);

        Assert.True(before >= 28 * 1024, $"the freed chunks were not resident before: {before} KiB");
        Assert.True(before - after >= 24 * 1024, $"resident memory of the arena went from {before} to {after} KiB");
    }

    /// <summary>Resident KiB of the mapping that holds <paramref name="address"/> (/proc/self/smaps).</summary>
    static long ResidentKiB(IntPtr address)
    {
        var target = (ulong)address.ToInt64();
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out var end))
            {
                inside = target >= start && target < end;
                continue;
            }
            if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"No mapping holds 0x{target:x}.");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapCollection
{
    public const string Name = "Native heap, measured alone";
}
