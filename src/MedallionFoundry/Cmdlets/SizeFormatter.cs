namespace MedallionFoundry.Commands;

/// <summary>Readable sizes in binary units, labelled as such: 104,857,600 bytes is "100.0 MiB".</summary>
public static class SizeFormatter
{
    static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(long bytes) => Format((double)bytes);

    internal static string Format(double bytes)
    {
        var i = 0;
        while (Math.Abs(bytes) >= 1024 && i < Units.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? $"{bytes:0} {Units[i]}" : $"{bytes:0.0} {Units[i]}";
    }
}
