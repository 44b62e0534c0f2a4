using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MedallionFoundry.Sync;

/// <summary>
/// What must be unchanged for a cached hash of a file to still be true: size, modification time and
/// the change time the OS keeps itself (Linux ctime through statx, Windows ChangeTime). A program
/// can set a file's modification time back after editing it (touch -d, SetLastWriteTime); it cannot
/// set the change time, which moves on every write and every time change. Null where the OS gives
/// no change time (then nothing is cached and every file is hashed).
/// </summary>
internal static class FileIdentity
{
    /// <summary>True where the OS gives a change time.</summary>
    public static bool Supported => OperatingSystem.IsLinux() || OperatingSystem.IsWindows();

    public static string? Of(string path)
    {
        try
        {
            if (OperatingSystem.IsLinux()) return OfLinux(path);
            if (OperatingSystem.IsWindows()) return OfWindows(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EntryPointNotFoundException or DllNotFoundException)
        {
        }
        return null;
    }

    // statx(2): struct statx is 256 bytes; the offsets below are fixed by the kernel ABI.
    const int AtFdCwd = -100;
    const uint StatxBasicStats = 0x7ff;
    const int StatxIno = 32, StatxSize = 40, StatxCtime = 96, StatxMtime = 112;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    static string? OfLinux(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0) return null;
        static string Time(byte[] b, int at) =>
            $"{BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at))}.{BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 8)):D9}";
        return $"ino={BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(StatxIno))};size={BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(StatxSize))};" +
               $"mtime={Time(buffer, StatxMtime)};ctime={Time(buffer, StatxCtime)}";
    }

    // GetFileInformationByHandleEx(FileBasicInfo): CreationTime, LastAccessTime, LastWriteTime, ChangeTime, FileAttributes.
    [StructLayout(LayoutKind.Sequential)]
    struct FileBasicInfo
    {
        public long CreationTime, LastAccessTime, LastWriteTime, ChangeTime;
        public uint FileAttributes;
    }

    [DllImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    static extern bool GetFileInformationByHandleEx(Microsoft.Win32.SafeHandles.SafeFileHandle handle, int infoClass, out FileBasicInfo info, uint size);

    static string? OfWindows(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (!GetFileInformationByHandleEx(handle, 0, out var info, (uint)Marshal.SizeOf<FileBasicInfo>())) return null;
        return $"size={RandomAccess.GetLength(handle)};mtime={info.LastWriteTime};ctime={info.ChangeTime}";
    }
}
