using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using MedallionFoundry.Commands;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Provider;

/// <summary>
/// The Bronze provider: every connection as a drive ("lake:" for Connect-BronzeStorage -Name lake), so
/// Set-Location, Get-ChildItem, Get-Item, Test-Path, Get-Content/Set-Content, Copy-Item, Move-Item,
/// Rename-Item, Remove-Item, New-Item and path completion work on the bronze layer. Items are the same
/// RemoteObjects Get-BronzeFileList returns, so they pipe into Get-BronzeFile and Remove-BronzeFile.
/// Its public surface holds PowerShell and BCL types only: MedallionFoundry.Core lives in the module's
/// own load context and loads when a provider call first needs it (see Isolation/).
/// </summary>
[CmdletProvider(BronzeDrives.ProviderName, ProviderCapabilities.Filter | ProviderCapabilities.ShouldProcess)]
public sealed class BronzeProvider : NavigationCmdletProvider, IContentCmdletProvider
{
    const string ErrorPrefix = "BronzeProvider";

    BronzeItems? _items;

    BronzeItems Items => _items ??= new BronzeItems(() => Stopping);

    #region Drives

    protected override Collection<PSDriveInfo> InitializeDefaultDrives() =>
        new(BronzeDrives.ForExistingConnections(ProviderInfo).ToList());

    protected override PSDriveInfo? NewDrive(PSDriveInfo drive)
    {
        if (drive is BronzeDriveInfo) return drive;
        try
        {
            var root = BronzeDrives.ParseRoot(drive.Root);
            var connection = BronzeItems.Connection(root.Connection);
            root = root with { Connection = connection.Name };
            var description = string.IsNullOrEmpty(drive.Description) ? BronzeDrives.Describe(connection, root) : drive.Description;
            return new BronzeDriveInfo(drive, root, description);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidRemotePathException or ConnectionNotFoundException)
        {
            WriteError(ErrorFor(ex, drive.Root));
            return null;
        }
    }

    #endregion

    #region Items

    protected override bool IsValidPath(string path) => TryParse(path, out _);

    protected override bool ItemExists(string path)
    {
        if (!TryLocate(path, out var location)) return false;
        return Ask(path, () => Items.Exists(location));
    }

    protected override bool IsItemContainer(string path)
    {
        if (!TryParse(path, out var location)) return false;
        return Ask(path, () => Items.IsFolder(location));
    }

    protected override void GetItem(string path)
    {
        if (!TryLocate(path, out var location)) return;
        Guard(path, () =>
        {
            if (Items.File(location) is { } file) WriteItemObject(file, location.ProviderPath, false);
            else if (Items.IsFolder(location)) WriteItemObject(Items.Folder(location), location.ProviderPath, true);
            else WriteError(NotFound(location, path));
        });
    }

    protected override void SetItem(string path, object value) =>
        throw Refused("Set-Item is not supported on a Bronze drive: an item is a stored file. Use Set-Content to replace its bytes or Copy-Item to replace it with another file.");

    protected override void ClearItem(string path) =>
        throw Refused("Clear-Item is not supported on a Bronze drive: a stored file cannot be emptied in place. Use Set-Content to replace it, or Remove-Item.");

    #endregion

    #region Containers

    protected override void GetChildItems(string path, bool recurse) => GetChildItems(path, recurse, uint.MaxValue);

    /// <summary>One level (folders and files) by default. With -Recurse, the store's flat listing of every file
    /// below (no folder items, so the output pipes straight into Remove-BronzeFile and Get-BronzeFile);
    /// -Depth keeps the files at most that many folders down.</summary>
    protected override void GetChildItems(string path, bool recurse, uint depth)
    {
        if (!TryLocate(path, out var location)) return;
        var filter = NameFilter();
        var deep = recurse && depth > 0;
        Guard(path, () =>
        {
            if (!location.IsRoot && !Items.IsFolder(location) && Items.File(location) is { } file)
            {
                WriteItemObject(file, location.ProviderPath, false);
                return;
            }
            foreach (var (item, itemLocation) in Items.List(location, deep))
            {
                if (itemLocation is not { } child) { WriteError(HostileKey(item)); continue; }
                if (deep && depth != uint.MaxValue && FoldersBetween(location, child) > depth) continue;
                if (filter is not null && !filter.IsMatch(child.Name)) continue;
                WriteItemObject(item, child.ProviderPath, item.IsPrefix);
            }
        });
    }

    protected override void GetChildNames(string path, ReturnContainers returnContainers)
    {
        if (!TryLocate(path, out var location)) return;
        var filter = NameFilter();
        Guard(path, () =>
        {
            foreach (var (item, itemLocation) in Items.List(location, recursive: false))
            {
                if (itemLocation is not { } child) { WriteError(HostileKey(item)); continue; }
                var keep = filter is null || filter.IsMatch(child.Name) || (item.IsPrefix && returnContainers == ReturnContainers.ReturnAllContainers);
                if (keep) WriteItemObject(child.Name, child.ProviderPath, item.IsPrefix);
            }
        });
    }

    protected override bool HasChildItems(string path)
    {
        if (!TryParse(path, out var location)) return false;
        return Ask(path, () => Items.HasChildren(location));
    }

    /// <summary>New-Item -ItemType File writes the value as the file's bytes (UTF-8 text). -ItemType Directory
    /// creates nothing: object stores have no folders; a folder appears once a file is written under it.</summary>
    protected override void NewItem(string path, string itemTypeName, object newItemValue)
    {
        if (!TryLocate(path, out var location)) return;
        if (location.IsRoot) { WriteError(ErrorFor(new ArgumentException("A connection's root always exists."), path)); return; }
        var type = string.IsNullOrEmpty(itemTypeName) ? "File" : itemTypeName;
        Guard(path, () =>
        {
            if (type.Equals("Directory", StringComparison.OrdinalIgnoreCase) || type.Equals("Folder", StringComparison.OrdinalIgnoreCase) || type.Equals("Container", StringComparison.OrdinalIgnoreCase))
            {
                if (!ShouldProcess(location.Describe(), "Create folder")) return;
                WriteWarning($"Nothing was created for {location.Describe()}: object stores have no folders. The folder '{location.FolderPrefix}' appears once a file is written under it.");
                WriteItemObject(Items.Folder(location), location.ProviderPath, true);
                return;
            }
            if (!type.Equals("File", StringComparison.OrdinalIgnoreCase))
            {
                WriteError(new ErrorRecord(Refused($"New-Item -ItemType {type} is not supported on a Bronze drive: use File or Directory."),
                    ErrorPrefix + "NotSupported", ErrorCategory.NotImplemented, path));
                return;
            }
            if (!ShouldProcess(location.Describe(), "Create file")) return;
            var created = BronzeContent.WriteValue(Items, location, newItemValue, overwrite: Force);
            WriteItemObject(created, location.ProviderPath, false);
        });
    }

    protected override void RemoveItem(string path, bool recurse)
    {
        if (!TryLocate(path, out var location)) return;
        Guard(path, () =>
        {
            var file = Items.File(location);
            var folder = Items.IsFolder(location) && (recurse || file is null);
            if (file is null && !folder) { WriteError(NotFound(location, path)); return; }
            if (file is not null && ShouldProcess(location.Describe(), "Remove file"))
            {
                Items.Wait(Items.Store(location.Connection).DeleteAsync(location.Remote, Items.CancellationToken));
                Items.Forget(location);
            }
            if (folder && ShouldProcess($"every file under {location.Describe()}", "Remove folder"))
                new BronzeRemover(Items, WriteRemoveError).RemoveFolder(location);
        });
    }

    protected override void CopyItem(string path, string copyPath, bool recurse)
    {
        if (!TryLocate(path, out var source) || !TryLocate(copyPath, out var destination)) return;
        Guard(path, () => NewCopier().Copy(source, destination, recurse, move: false, intoFolder: EndsWithSeparator(copyPath)));
    }

    #endregion

    #region Navigation

    /// <summary>The last segment, by string work alone (the default asks the store whether the item exists).</summary>
    protected override string GetChildName(string path)
    {
        var normalized = Normalize(path);
        return normalized[(normalized.LastIndexOf(BronzeLocation.Separator) + 1)..];
    }

    static string Normalize(string? path) =>
        (path ?? "").Replace('\\', BronzeLocation.Separator).Replace('/', BronzeLocation.Separator).TrimEnd(BronzeLocation.Separator);

    protected override void MoveItem(string path, string destination)
    {
        if (!TryLocate(path, out var source) || !TryLocate(destination, out var target)) return;
        Guard(path, () => NewCopier().Copy(source, target, recurse: true, move: true, intoFolder: EndsWithSeparator(destination)));
    }

    protected override void RenameItem(string path, string newName)
    {
        if (!TryLocate(path, out var source)) return;
        if (string.IsNullOrEmpty(newName) || newName.IndexOfAny(['/', '\\']) >= 0)
        {
            WriteError(ErrorFor(new ArgumentException($"'{newName}' is not a new name: Rename-Item takes a name without a folder. Use Move-Item to move an item."), newName));
            return;
        }
        if (!TryLocate(source.Parent.Child(newName).ProviderPath, out var target)) return;
        Guard(path, () => NewCopier().Copy(source, target, recurse: true, move: true, targetIsExact: true));
    }

    #endregion

    #region Content

    public IContentReader GetContentReader(string path)
    {
        var location = Locate(path);
        var options = DynamicParameters as BronzeContentReaderParameters ?? new BronzeContentReaderParameters();
        return BronzeContent.OpenReader(Items, location, options);
    }

    public object GetContentReaderDynamicParameters(string path) => new BronzeContentReaderParameters();

    public IContentWriter GetContentWriter(string path)
    {
        var location = Locate(path);
        if (location.IsRoot || Items.IsFolder(location))
            throw new ArgumentException($"{location.Describe()} is a folder; content is written to files.");
        var options = DynamicParameters as BronzeContentWriterParameters ?? new BronzeContentWriterParameters();
        return BronzeContent.OpenWriter(Items, location, options);
    }

    public object GetContentWriterDynamicParameters(string path) => new BronzeContentWriterParameters();

    /// <summary>Refused: an object cannot be emptied in place, and Set-Content (which calls this first) then
    /// replaces the whole object in one upload, so a failed Set-Content leaves the old bytes intact.</summary>
    public void ClearContent(string path) =>
        throw Refused("Clear-Content is not supported on a Bronze drive: a stored file is replaced whole, never emptied in place. Use Set-Content to replace it or Remove-Item to delete it.");

    public object? ClearContentDynamicParameters(string path) => null;

    #endregion

    #region Helpers

    BronzeCopier NewCopier() => new(Items, ShouldProcess, (item, location) => WriteItemObject(item, location.ProviderPath, item.IsPrefix),
        (ex, target) => WriteError(ErrorFor(ex, target)));

    void WriteRemoveError(Exception exception, string target) => WriteError(ErrorFor(exception, target));

    WildcardPattern? NameFilter() =>
        string.IsNullOrEmpty(Filter) ? null : new WildcardPattern(Filter, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);

    /// <summary>"lake:/copies/": a trailing separator names a folder, whether or not it exists yet.</summary>
    static bool EndsWithSeparator(string path) => path.EndsWith('/') || path.EndsWith('\\');

    static uint FoldersBetween(BronzeLocation folder, BronzeLocation item) =>
        (uint)item.Remote[folder.FolderPrefix.Length..].Count(c => c == '/');

    static bool TryParse(string path, out BronzeLocation location)
    {
        try
        {
            location = BronzeLocation.Parse(path);
            return location.Connection.Length > 0;
        }
        catch (InvalidRemotePathException)
        {
            location = default;
            return false;
        }
    }

    /// <summary>Parses a path, writing the path-rule error when it breaks them.</summary>
    bool TryLocate(string path, out BronzeLocation location)
    {
        try
        {
            location = Locate(path);
            return true;
        }
        catch (InvalidRemotePathException ex)
        {
            WriteError(ErrorFor(ex, path));
            location = default;
            return false;
        }
    }

    static BronzeLocation Locate(string path)
    {
        var location = BronzeLocation.Parse(path);
        if (location.Connection.Length == 0) throw new InvalidRemotePathException($"The path '{path}' names no connection.", path);
        return location;
    }

    /// <summary>A yes/no question from PowerShell. It also asks with drive-relative paths while globbing
    /// ("system=crm/dt=*"), whose first segment names no connection: that is a "no", not an error.</summary>
    bool Ask(string path, Func<bool> question)
    {
        try { return question(); }
        catch (ConnectionNotFoundException) { return false; }
        catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException || (ex is OperationCanceledException && !Stopping))
        {
            WriteError(ErrorFor(ex, path));
            return false;
        }
    }

    /// <summary>Runs a provider step; storage and connection failures become error records with ids, one per
    /// item, instead of stopping the command.</summary>
    void Guard(string path, Action step) => Guard(path, () => { step(); return true; }, false);

    T Guard<T>(string path, Func<T> step, T onError)
    {
        try
        {
            return step();
        }
        catch (Exception ex) when (ex is StorageException or ConnectionNotFoundException or IOException or UnauthorizedAccessException
                                       || (ex is OperationCanceledException && !Stopping))
        {
            WriteError(ErrorFor(ex, path));
            return onError;
        }
    }

    /// <summary>Error ids follow the cmdlets' scheme with the provider's name: BronzeProviderNotFound, BronzeProviderInvalidPath...</summary>
    static ErrorRecord ErrorFor(Exception exception, object? target)
    {
        var (problem, category) = exception switch
        {
            ConnectionNotFoundException => ("ConnectionNotFound", ErrorCategory.ObjectNotFound),
            ItemNotFoundException => ("NotFound", ErrorCategory.ObjectNotFound),
            ArgumentException => ("InvalidArgument", ErrorCategory.InvalidArgument),
            PSNotSupportedException => ("NotSupported", ErrorCategory.NotImplemented),
            _ => BronzeCmdlet.Classify(exception),
        };
        return new ErrorRecord(exception, ErrorPrefix + problem, category, target);
    }

    static ErrorRecord NotFound(BronzeLocation location, string path) =>
        ErrorFor(new ItemNotFoundException($"Cannot find {location.Describe()}: no file has that path and no file lies below it."), path);

    static ErrorRecord HostileKey(RemoteObject item) =>
        ErrorFor(new InvalidRemotePathException($"The stored key '{item.Key}' is not a valid remote path (it has '..', '.', empty segments, '\\' or control characters) and is skipped.", item.Key), item.Key);

    static PSNotSupportedException Refused(string message) => new(message);

    #endregion
}
