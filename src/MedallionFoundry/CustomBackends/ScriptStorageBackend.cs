using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// A backend whose operations are PowerShell scripts (scriptblocks or the functions of a module),
/// for wrapping an in-house tool or HTTP API without C#. Scripts work with files: an upload from a
/// stream is spooled to a temporary file first, a download to a stream goes through one. It sits
/// behind <see cref="BronzeStore"/> like every backend, so path rules, prefixes, temp-file downloads
/// and batching are the same. The optional prefix comes from the config key "prefix".
/// </summary>
internal sealed class ScriptStorageBackend : StorageBackend
{
    const int BufferSize = 81920;
    readonly string _name;
    readonly string? _module;
    readonly int _throttleLimit;
    readonly IReadOnlyDictionary<string, ScriptCall> _calls;
    readonly Hashtable _config;
    readonly ScriptRunner _runner;
    readonly ScriptListing _listing = new();

    public ScriptStorageBackend(string name, IReadOnlyDictionary<string, ScriptCall> calls, string? module, int throttleLimit, PlatformConfig config,
        Backends.BackendSettings? settings = null)
    {
        _name = name;
        _module = module;
        _calls = calls;
        _throttleLimit = Math.Max(1, throttleLimit);
        _config = ScriptConfigTable.Build(name, config, settings);
        try
        {
            Prefix = RemotePath.NormalizeConfiguredPrefix(_config["prefix"] as string);
        }
        catch (InvalidRemotePathException ex)
        {
            throw config.Bronze.Error("prefix", $"The prefix of the '{name}' backend is not valid: {ex.Message}");
        }
        _runner = new ScriptRunner(name, module, _throttleLimit);
    }

    public override string BackendType => _name.ToLowerInvariant();

    public override string Location => _module is null ? $"{_name} (PowerShell scriptblocks)" : $"{_name} (PowerShell module {_module})";

    public override int DefaultConcurrency => _throttleLimit;

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var spool = Path.Combine(Path.GetTempPath(), $"mf-{_name}-upload-{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
                await content.CopyToAsync(file, BufferSize, cancellationToken).ConfigureAwait(false);
            return await UploadFileAsync(spool, key, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            TryDelete(spool);
        }
    }

    public override async Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Scripts have no "if absent" upload: check first (a race with another writer is possible).
        if (!options.Overwrite && await StatAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            throw new StorageConflictException($"The remote file '{key}' already exists.", key);
        var size = new FileInfo(localPath).Length;
        await Run(ScriptOperation.Upload, key, cancellationToken, ("LocalPath", localPath), ("Key", key)).ConfigureAwait(false);
        options.Progress?.Report(size);
        return new RemoteObject { Key = key, Size = size, LastModified = DateTimeOffset.UtcNow, Backend = BackendType };
    }

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var spool = Path.Combine(Path.GetTempPath(), $"mf-{_name}-download-{Guid.NewGuid():N}.tmp");
        try
        {
            var result = await DownloadFileAsync(key, spool, TransferOptions.Default, cancellationToken).ConfigureAwait(false);
            await using (var file = new FileStream(spool, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true))
                await file.CopyToAsync(destination, BufferSize, cancellationToken).ConfigureAwait(false);
            options.Progress?.Report(result.Size);
            return result;
        }
        finally
        {
            TryDelete(spool);
        }
    }

    public override async Task<RemoteObject> DownloadFileAsync(string key, string localPath, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Run(ScriptOperation.Download, key, cancellationToken, ("Key", key), ("LocalPath", localPath)).ConfigureAwait(false);
        var written = new FileInfo(localPath);
        if (!written.Exists)
            throw new StorageException(StorageErrorKind.Unknown,
                $"The Download script of the '{_name}' backend wrote no file for '{key}': it must write the object to $LocalPath.", key);
        options.Progress?.Report(written.Length);
        return new RemoteObject { Key = key, Size = written.Length, Backend = BackendType };
    }

    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (entries, snapshotId, after) = _listing.Resume(continuationToken);
        entries ??= ScriptListing.Fold(await ListAll(keyPrefix, options.Recursive, cancellationToken).ConfigureAwait(false), keyPrefix, options.Recursive);
        return _listing.Page(entries, snapshotId, after, options.PageSize);
    }

    public override async Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_calls.ContainsKey(ScriptOperation.Stat.Name))
            return (await ListAll(key, recursive: true, cancellationToken).ConfigureAwait(false)).FirstOrDefault(o => o.Key == key);
        try
        {
            var output = await Run(ScriptOperation.Stat, key, cancellationToken, ("Key", key)).ConfigureAwait(false);
            return output.Select(o => ToRemoteObject(o, ScriptOperation.Stat)).FirstOrDefault() is { } found ? found with { Key = key } : null;
        }
        catch (StorageNotFoundException)
        {
            return null;
        }
    }

    public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await Run(ScriptOperation.Delete, key, cancellationToken, ("Key", key)).ConfigureAwait(false);
        }
        catch (StorageNotFoundException)
        {
            // Delete is idempotent: a script that complains about a missing object has done its job.
        }
    }

    public override async Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (!_calls.ContainsKey(ScriptOperation.DeleteMany.Name))
            return await base.DeleteManyAsync(keys, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var output = await Run(ScriptOperation.DeleteMany, null, cancellationToken, ("Keys", keys.ToArray())).ConfigureAwait(false);
        var failures = new List<DeleteFailure>();
        foreach (var item in output)
        {
            var key = item.Properties["Key"]?.Value?.ToString();
            if (string.IsNullOrEmpty(key)) continue;
            var error = item.Properties["Error"]?.Value?.ToString() ?? "no reason given";
            failures.Add(new DeleteFailure(key, new StorageException(StorageErrorKind.Unknown,
                $"The DeleteMany script of the '{_name}' backend could not delete '{key}': {error}", key)));
        }
        return failures;
    }

    public override ValueTask DisposeAsync()
    {
        _runner.Dispose();
        return ValueTask.CompletedTask;
    }

    async Task<List<RemoteObject>> ListAll(string keyPrefix, bool recursive, CancellationToken cancellationToken)
    {
        var output = await Run(ScriptOperation.List, keyPrefix, cancellationToken, ("Prefix", keyPrefix), ("Recursive", recursive)).ConfigureAwait(false);
        return output.Select(o => ToRemoteObject(o, ScriptOperation.List)
            ?? throw new StorageException(StorageErrorKind.Unknown,
                $"The List script of the '{_name}' backend output an object without a Key ('{o}'): output objects with Key, Size and LastModified.", keyPrefix))
            .ToList();
    }

    Task<Collection<PSObject>> Run(ScriptOperation operation, string? key, CancellationToken cancellationToken, params (string Name, object? Value)[] arguments)
    {
        var call = _calls[operation.Name];
        var named = arguments.ToDictionary(a => a.Name, a => a.Value);
        named["Config"] = ScriptConfigTable.CopyOf(_config);
        return _runner.InvokeAsync(call, named, key, cancellationToken);
    }

    /// <summary>A script's object (Key, Size, LastModified, optional ETag) or a plain key string.</summary>
    RemoteObject? ToRemoteObject(PSObject item, ScriptOperation operation)
    {
        if (item.BaseObject is string text)
            return text.Length == 0 ? null : new RemoteObject { Key = text, Backend = BackendType };
        var key = item.Properties["Key"]?.Value?.ToString();
        if (string.IsNullOrEmpty(key)) return null;
        try
        {
            return new RemoteObject
            {
                Key = key,
                Size = item.Properties["Size"]?.Value is { } size ? LanguagePrimitives.ConvertTo<long>(size) : 0,
                LastModified = ToDateTimeOffset(item.Properties["LastModified"]?.Value),
                ETag = item.Properties["ETag"]?.Value?.ToString(),
                Backend = BackendType,
            };
        }
        catch (Exception ex) when (ex is PSInvalidCastException or FormatException or InvalidCastException)
        {
            throw new StorageException(StorageErrorKind.Unknown,
                $"The {operation.Name} script of the '{_name}' backend output a bad Size or LastModified for '{key}': {ex.Message}", key, ex);
        }
    }

    static DateTimeOffset? ToDateTimeOffset(object? value) => value switch
    {
        null => null,
        PSObject wrapped => ToDateTimeOffset(wrapped.BaseObject),
        DateTimeOffset offset => offset,
        DateTime { Kind: DateTimeKind.Unspecified } unspecified => new DateTimeOffset(unspecified, TimeSpan.Zero),
        DateTime time => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero),
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => new DateTimeOffset(LanguagePrimitives.ConvertTo<DateTime>(value).ToUniversalTime(), TimeSpan.Zero),
    };

    static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
