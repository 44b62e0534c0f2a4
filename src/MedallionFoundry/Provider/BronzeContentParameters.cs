using System.Management.Automation;
using System.Text;

namespace MedallionFoundry.Provider;

/// <summary>Get-Content's extra parameters on a Bronze drive (the FileSystem provider has the same names).</summary>
public sealed class BronzeContentReaderParameters
{
    /// <summary>Text encoding of the file (default UTF-8; a byte order mark is honoured).</summary>
    [Parameter]
    [ValidateSet("utf8", "utf8BOM", "utf8NoBOM", "ascii", "unicode", "bigendianunicode", "utf32", "latin1", IgnoreCase = true)]
    public string? Encoding { get; set; }

    /// <summary>Bytes instead of lines.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>The whole file as one string.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }
}

/// <summary>Set-Content's and Add-Content's extra parameters on a Bronze drive.</summary>
public sealed class BronzeContentWriterParameters
{
    /// <summary>Text encoding to write (default UTF-8 without a byte order mark).</summary>
    [Parameter]
    [ValidateSet("utf8", "utf8BOM", "utf8NoBOM", "ascii", "unicode", "bigendianunicode", "utf32", "latin1", IgnoreCase = true)]
    public string? Encoding { get; set; }

    /// <summary>The values are bytes.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>No newline after each value.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }
}

internal static class BronzeEncodings
{
    public static Encoding Resolve(string? name) => (name ?? "").ToLowerInvariant() switch
    {
        "" or "utf8" or "utf8nobom" => new UTF8Encoding(false),
        "utf8bom" => new UTF8Encoding(true),
        "ascii" => System.Text.Encoding.ASCII,
        "unicode" => System.Text.Encoding.Unicode,
        "bigendianunicode" => System.Text.Encoding.BigEndianUnicode,
        "utf32" => System.Text.Encoding.UTF32,
        "latin1" => System.Text.Encoding.Latin1,
        _ => throw new ArgumentException($"Unknown encoding '{name}'."),
    };
}
