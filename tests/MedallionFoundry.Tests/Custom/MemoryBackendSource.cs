namespace MedallionFoundry.Tests.Custom;

/// <summary>
/// The source of a custom .NET backend written the way a user would (only the public contract of
/// MedallionFoundry.Core), compiled by the tests at run time. It keeps objects in memory and reads
/// its own section platform.&lt;name&gt; (max_delete_batch) and the bronze key "prefix". The same
/// assembly holds the wrong types the registration errors are tested with.
/// </summary>
public static class MemoryBackendSource
{
    public const string TypeName = "Contoso.Storage.MemoryBackend";

    public const string Code = """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using MedallionFoundry.Config;
        using MedallionFoundry.Storage;

        namespace Contoso.Storage;

        public sealed class MemoryBackend : StorageBackend
        {
            readonly ConcurrentDictionary<string, (byte[] Data, System.DateTimeOffset Modified)> _objects = new();
            readonly int _maxDeleteBatch;

            public MemoryBackend(PlatformConfig config)
            {
                Prefix = (config.Bronze.GetString("prefix") ?? "").Trim('/');
                var own = config.Section(config.BackendName);
                _maxDeleteBatch = own?.GetInt("max_delete_batch", min: 1) ?? 1000;
            }

            public override string BackendType => "memory";
            public override string Location => "process memory";
            public override int MaxDeleteBatchSize => _maxDeleteBatch;

            public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var buffer = new MemoryStream();
                await content.CopyToAsync(buffer, cancellationToken);
                var entry = (buffer.ToArray(), System.DateTimeOffset.UtcNow);
                if (options.Overwrite) _objects[key] = entry;
                else if (!_objects.TryAdd(key, entry)) throw new StorageConflictException($"The remote file '{key}' already exists.", key);
                return new RemoteObject { Key = key, Size = entry.Item1.Length, LastModified = entry.Item2 };
            }

            public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!_objects.TryGetValue(key, out var entry)) throw new StorageNotFoundException($"The remote file '{key}' does not exist.", key);
                await destination.WriteAsync(entry.Data, cancellationToken);
                return new RemoteObject { Key = key, Size = entry.Data.Length, LastModified = entry.Modified };
            }

            public override Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entries = new SortedDictionary<string, RemoteObject?>(System.StringComparer.Ordinal);
                foreach (var (key, entry) in _objects)
                {
                    if (!key.StartsWith(keyPrefix, System.StringComparison.Ordinal)) continue;
                    var slash = key.IndexOf('/', keyPrefix.Length);
                    if (!options.Recursive && slash >= 0) entries.TryAdd(key[..(slash + 1)], null);
                    else entries[key] = new RemoteObject { Key = key, Size = entry.Data.Length, LastModified = entry.Modified };
                }
                var after = entries.Where(e => continuationToken is null || string.CompareOrdinal(e.Key, continuationToken) > 0).ToList();
                var page = after.Take(options.PageSize).ToList();
                var next = after.Count > page.Count ? page[^1].Key : null;
                return Task.FromResult(new ListPage(
                    page.Where(e => e.Value is not null).Select(e => e.Value!).ToList(),
                    page.Where(e => e.Value is null).Select(e => e.Key).ToList(),
                    next));
            }

            public override Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken) =>
                Task.FromResult(_objects.TryGetValue(key, out var entry)
                    ? new RemoteObject { Key = key, Size = entry.Data.Length, LastModified = entry.Modified }
                    : null);

            public override Task DeleteAsync(string key, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _objects.TryRemove(key, out _);
                return Task.CompletedTask;
            }
        }

        // Wrong types, for the registration errors.
        public sealed class NotABackend { public NotABackend(PlatformConfig config) { } }

        public abstract class AbstractBackend : StorageBackend { public AbstractBackend(PlatformConfig config) { } }

        public sealed class BackendWithoutConfigConstructor : StorageBackend
        {
            public BackendWithoutConfigConstructor(string root) { }
            public override string BackendType => "x";
            public override string Location => "x";
            public override Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken) => throw new System.NotSupportedException();
            public override Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken) => throw new System.NotSupportedException();
            public override Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken) => throw new System.NotSupportedException();
            public override Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken) => throw new System.NotSupportedException();
            public override Task DeleteAsync(string key, CancellationToken cancellationToken) => throw new System.NotSupportedException();
        }
        """;

    static readonly Lazy<string> Compiled = new(() => CSharpCompiler.CompileToFile("Contoso.Storage.Memory", Code));

    /// <summary>The compiled DLL (compiled once per test run).</summary>
    public static string AssemblyPath => Compiled.Value;
}
