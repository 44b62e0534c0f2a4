using System.Management.Automation;

namespace MedallionFoundry.Commands;

/// <summary>
/// The downloaded files as Get-Item shows them (PSPath, PSParentPath, PSDrive, UnixStat..., so the FileSystem
/// view groups them under a "Directory:" header with Mode and Length). A plain path makes the provider
/// resolve its drive again for every file, which on Linux reads the mount table (measured: ~0.45 ms a
/// file, ~40% of the pipeline thread for 2,000 small files). So only the first file of each folder is
/// asked for by its plain path; the others of that folder by their provider-qualified path (~0.06 ms),
/// which names no drive: they get the first one's PSDrive. Pipeline thread only (not thread-safe).
/// </summary>
internal sealed class DownloadedItems(PSCmdlet cmdlet)
{
    readonly Dictionary<string, Template?> _byFolder = new(Storage.LocalLinks.PathComparer);

    /// <summary>The first file's provider-qualified folder ("...FileSystem::/data/out/") and drive.</summary>
    sealed record Template(string QualifiedFolder, PSPropertyInfo Drive);

    public object ItemFor(string localPath)
    {
        var folder = Path.GetDirectoryName(localPath) ?? "";
        var name = Path.GetFileName(localPath);
        if (_byFolder.TryGetValue(folder, out var template) && template is not null
            && FromProvider(template.QualifiedFolder + name) is { } item)
        {
            if (item.Properties["PSDrive"] is null) item.Properties.Add(new PSNoteProperty("PSDrive", template.Drive.Value));
            return item;
        }

        var first = FromProvider(localPath);
        if (template is null && first is not null) _byFolder[folder] = TemplateOf(first, name);
        return (object?)first ?? new FileInfo(localPath);
    }

    PSObject? FromProvider(string path)
    {
        try
        {
            var items = cmdlet.InvokeProvider.Item.Get(new[] { path }, true, true);
            if (items.Count == 1) return items[0];
        }
        catch (Exception ex) when (ex is ProviderNotFoundException or ItemNotFoundException or NotSupportedException) { }
        return null;
    }

    /// <summary>Null (every file of the folder asks by its plain path) unless the item is a file with a
    /// drive whose PSPath ends in its name.</summary>
    static Template? TemplateOf(PSObject item, string name)
    {
        if (item.BaseObject is not FileInfo || item.Properties["PSPath"]?.Value is not string psPath
            || !psPath.EndsWith(name, StringComparison.Ordinal) || !psPath.Contains("::", StringComparison.Ordinal)
            || item.Properties["PSDrive"] is not { Value: not null } drive)
            return null;
        return new Template(psPath[..^name.Length], drive);
    }
}
