namespace MedallionFoundry.Tests.Custom;

/// <summary>
/// A PowerShell-script backend that keeps objects as files under $Config.root, in both registration
/// forms. The scripts use .NET calls only, because a hosted runspace from CreateDefault2 has the core
/// cmdlets but not Copy-Item and friends (inside pwsh those autoload).
/// </summary>
public static class FolderScripts
{
    public const string Upload = """
        param($LocalPath, $Key, $Config)
        $target = [IO.Path]::Combine($Config.root, $Key)
        [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
        [IO.File]::Copy($LocalPath, $target, $true)
        """;

    public const string Download = """
        param($Key, $LocalPath, $Config)
        $source = [IO.Path]::Combine($Config.root, $Key)
        if (-not [IO.File]::Exists($source)) { throw [System.Management.Automation.ItemNotFoundException]::new("There is no object '$Key'.") }
        [IO.File]::Copy($source, $LocalPath)
        """;

    public const string List = """
        param($Prefix, $Recursive, $Config)
        if (-not [IO.Directory]::Exists($Config.root)) { return }
        foreach ($file in [IO.Directory]::EnumerateFiles($Config.root, '*', 'AllDirectories')) {
            $key = [IO.Path]::GetRelativePath($Config.root, $file).Replace('\', '/')
            if ($key.StartsWith($Prefix, [StringComparison]::Ordinal)) {
                $info = [IO.FileInfo]::new($file)
                [pscustomobject]@{ Key = $key; Size = $info.Length; LastModified = $info.LastWriteTimeUtc }
            }
        }
        """;

    public const string Delete = """
        param($Key, $Config)
        [IO.File]::Delete([IO.Path]::Combine($Config.root, $Key))
        """;

    /// <summary>The module form: the same store through its own helper function, with the optional
    /// Get-StorageObjectInfo and Remove-StorageObjectBatch as well.</summary>
    public const string Module = """
        function Get-ObjectFile([string] $Key, $Config) { [IO.Path]::Combine($Config.root, $Key) }

        function Send-StorageObject {
            param($LocalPath, $Key, $Config)
            $target = Get-ObjectFile $Key $Config
            [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
            [IO.File]::Copy($LocalPath, $target, $true)
        }

        function Receive-StorageObject {
            param($Key, $LocalPath, $Config)
            $source = Get-ObjectFile $Key $Config
            if (-not [IO.File]::Exists($source)) { throw [System.IO.FileNotFoundException]::new("There is no object '$Key'.") }
            [IO.File]::Copy($source, $LocalPath)
        }

        function Get-StorageObjectList {
            [CmdletBinding()]
            param($Prefix, $Recursive, $Config)
            if (-not [IO.Directory]::Exists($Config.root)) { return }
            foreach ($file in [IO.Directory]::EnumerateFiles($Config.root, '*', 'AllDirectories')) {
                $key = [IO.Path]::GetRelativePath($Config.root, $file).Replace('\', '/')
                if ($key.StartsWith($Prefix, [StringComparison]::Ordinal)) {
                    [pscustomobject]@{ Key = $key; Size = ([IO.FileInfo]$file).Length; LastModified = [IO.File]::GetLastWriteTimeUtc($file) }
                }
            }
        }

        function Remove-StorageObject {
            param($Key, $Config)
            [IO.File]::Delete((Get-ObjectFile $Key $Config))
        }

        function Get-StorageObjectInfo {
            param($Key, $Config)
            $file = [IO.FileInfo]::new((Get-ObjectFile $Key $Config))
            if ($file.Exists) { [pscustomobject]@{ Key = $Key; Size = $file.Length; LastModified = $file.LastWriteTimeUtc } }
        }

        function Remove-StorageObjectBatch {
            param($Keys, $Config)
            foreach ($key in $Keys) {
                try { [IO.File]::Delete((Get-ObjectFile $key $Config)) }
                catch [System.IO.DirectoryNotFoundException] { }
                catch { [pscustomobject]@{ Key = $key; Error = $_.Exception.Message } }
            }
        }

        Export-ModuleMember -Function *-StorageObject*
        """;

    public static Dictionary<string, string> Scripts() => new()
    {
        ["Upload"] = Upload,
        ["Download"] = Download,
        ["List"] = List,
        ["Delete"] = Delete,
    };

    /// <summary>Writes the module to a new folder and returns the .psm1 path.</summary>
    public static string WriteModule()
    {
        var path = Path.Combine(Contract.TestData.TempFolder("folder-module"), "FolderStore.psm1");
        File.WriteAllText(path, Module);
        return path;
    }
}
