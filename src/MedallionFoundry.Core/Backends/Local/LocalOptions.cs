using MedallionFoundry.Config;

namespace MedallionFoundry.Backends.Local;

/// <summary>The local backend's options, declared once (see <see cref="OptionDeclaration"/>).</summary>
public static class LocalOptions
{
    public static readonly OptionDeclaration Path = new()
    {
        Key = "local_path", Type = OptionType.Path, Required = true, Parameter = "Path",
        Help = "Root folder; relative paths resolve against the PowerShell location. Created on the first upload.",
    };

    public static IReadOnlyList<OptionDeclaration> All { get; } = [Path];
}
