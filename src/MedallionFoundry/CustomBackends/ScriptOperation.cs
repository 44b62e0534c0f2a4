namespace MedallionFoundry.CustomBackends;

/// <summary>
/// One operation a PowerShell-script backend provides: the scriptblock parameter of
/// Register-BronzeStorageBackend (-Upload), the function a -Module must define for it
/// (Send-StorageObject) and the parameters it must declare, exactly (order free).
/// </summary>
public sealed record ScriptOperation(string Name, string FunctionName, bool Required, IReadOnlyList<string> Parameters)
{
    /// <summary>param($LocalPath, $Key, $Config): copy the local file to Key (overwrite).</summary>
    public static readonly ScriptOperation Upload = new("Upload", "Send-StorageObject", true, ["LocalPath", "Key", "Config"]);

    /// <summary>param($Key, $LocalPath, $Config): write the object to the (new) file LocalPath.</summary>
    public static readonly ScriptOperation Download = new("Download", "Receive-StorageObject", true, ["Key", "LocalPath", "Config"]);

    /// <summary>param($Prefix, $Recursive, $Config): output objects with Key, Size, LastModified.</summary>
    public static readonly ScriptOperation List = new("List", "Get-StorageObjectList", true, ["Prefix", "Recursive", "Config"]);

    /// <summary>param($Key, $Config): delete the object; a missing object is not an error.</summary>
    public static readonly ScriptOperation Delete = new("Delete", "Remove-StorageObject", true, ["Key", "Config"]);

    /// <summary>Optional. param($Key, $Config): output one object (Key, Size, LastModified) or nothing.</summary>
    public static readonly ScriptOperation Stat = new("Stat", "Get-StorageObjectInfo", false, ["Key", "Config"]);

    /// <summary>Optional. param($Keys, $Config): delete many; output an object (Key, Error) per key that failed.</summary>
    public static readonly ScriptOperation DeleteMany = new("DeleteMany", "Remove-StorageObjectBatch", false, ["Keys", "Config"]);

    public static IReadOnlyList<ScriptOperation> All { get; } = [Upload, Download, List, Delete, Stat, DeleteMany];

    /// <summary>"param($LocalPath, $Key, $Config)", for error messages and help.</summary>
    public string Signature => $"param({string.Join(", ", Parameters.Select(p => "$" + p))})";
}

/// <summary>How the backend runs one operation: a script text (scriptblock form) or a function of the module.</summary>
public sealed record ScriptCall(ScriptOperation Operation, string? ScriptText, string? FunctionName);
