namespace MedallionFoundry.Commands;

/// <summary>Readable sizes for the table view ("1.5 MB").</summary>
public static class SizeFormatter
{
    public static string Format(long bytes) => TransferProgress.Format(bytes);
}
