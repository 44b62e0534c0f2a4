using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Mirror;

/// <summary>
/// storage_backend: mirror — several stores kept alike. Uploads and deletes go to every target at once and
/// succeed only when every target has them (<see cref="MirrorTargetsException"/> names the targets that hold
/// the new version and those that do not); reads, stats and listings come from the first target that
/// answers, falling over to the next. Each target is a bronze section in the usual schema (its own
/// storage_backend, prefix and layers), sharing the platform's connection sections.
/// </summary>
public sealed class MirrorBackend : StorageBackend
{
    public static readonly OptionDeclaration Targets = new()
    {
        Key = "mirror", Type = OptionType.List, Required = true,
        Help = "The mirrored stores, each a bronze section ({ storage_backend: s3, s3_bucket: … }, layers allowed); reads come from the first healthy one.",
    };

    public static BackendDescriptor Descriptor { get; } = new()
    {
        Name = "mirror",
        Description = "Keeps several stores alike: writes go to all, reads come from the first healthy one.",
        Options = [Targets],
        IsBuiltIn = true,
        Create = config => Create(config, BackendRegistry.Default),
    };

    public MirrorBackend(IReadOnlyList<StorageBackend> targets)
    {
        if (targets.Count == 0) throw new ArgumentException("A mirror needs at least one target.", nameof(targets));
        Members = targets.Select((t, i) => new MirrorTarget(i + 1, t)).ToList();
    }

    /// <summary>The targets, in the order written.</summary>
    public IReadOnlyList<MirrorTarget> Members { get; }

    public override string BackendType => "mirror";

    public override string Location => $"mirror({string.Join(", ", Members.Select(t => t.Backend.Location))})";

    public override int MaxDeleteBatchSize => Members.Min(t => t.Backend.MaxDeleteBatchSize);

    public override int DefaultConcurrency => Members.Min(t => t.Backend.DefaultConcurrency);

    static MirrorBackend Create(PlatformConfig config, BackendRegistry registry)
    {
        var list = (IReadOnlyList<object?>)OptionValues.Read(config.Platform, Targets)!;
        if (list.Count == 0) throw config.Bronze.Error(Targets.Key, $"The key '{Targets.FullKey}' must list at least one target.");
        var created = new List<StorageBackend>();
        try
        {
            for (var i = 0; i < list.Count; i++)
                created.Add(CreateTarget(config, registry, list[i], i));
        }
        catch
        {
            foreach (var backend in created) _ = backend.DisposeAsync();
            throw;
        }
        return new MirrorBackend(created);
    }

    static StorageBackend CreateTarget(PlatformConfig config, BackendRegistry registry, object? item, int index)
    {
        var path = $"{Targets.FullKey}[{index}]";
        if (item is not ConfigSection section)
            throw config.Bronze.Error(Targets.Key, $"The entry '{path}' must be a bronze section, e.g. '- {{ storage_backend: s3, s3_bucket: analytics-bronze }}'.");
        var target = config.WithBronze(AsBronze(section));
        if (target.BackendName == Descriptor.Name)
            throw section.Error(SharedOptions.StorageBackend.Key, $"The mirror target '{path}' cannot itself be a mirror.");
        try
        {
            var descriptor = registry.Select(target);
            registry.Validate(target, descriptor);
            return StorageLayers.Wrap(target, descriptor.Create(target));
        }
        catch (ConfigException ex)
        {
            throw new ConfigException($"Mirror target {index + 1} ('{path}', {target.BackendName}): {ex.Message}", ex.Key, inner: ex);
        }
    }

    /// <summary>The target's mapping as the bronze section of its own config (the binder finds options by that path);
    /// its errors say which target through <see cref="CreateTarget"/>.</summary>
    static ConfigSection AsBronze(ConfigSection section) => new(OptionDeclaration.BronzeSection,
        section.Keys.ToDictionary(k => k, section.Raw), section.File, section.Line,
        section.Keys.Where(k => section.LineOf(k) is not null).ToDictionary(k => k, k => section.LineOf(k)!.Value), section.Environment);

    // ---- writes: every target ----------------------------------------------------------------

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        var tasks = await MirrorFanOut.UploadAsync(content, options.Progress,
            Members.Select(t => (Func<Stream, CancellationToken, Task<RemoteObject>>)((input, ct) => t.Backend.UploadAsync(t.KeyOf(key), input, Quiet(options), ct))).ToList(),
            cancellationToken).ConfigureAwait(false);
        return Outcome("upload", key, tasks);
    }

    public override async Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        // Each target reads the file itself (its own parallel parts); progress comes from the first.
        var tasks = Members.Select((t, i) => t.Backend.UploadFileAsync(localPath, t.KeyOf(key), i == 0 ? options : Quiet(options), cancellationToken)).ToList();
        await Settle(tasks).ConfigureAwait(false);
        return Outcome("upload", key, tasks);
    }

    public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var tasks = Members.Select(async t => { await t.Backend.DeleteAsync(t.KeyOf(key), cancellationToken).ConfigureAwait(false); return new RemoteObject { Key = key }; }).ToList();
        await Settle(tasks).ConfigureAwait(false);
        Outcome("delete", key, tasks);
    }

    public override async Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var perTarget = Members.Select(async t =>
        {
            try
            {
                var failures = await t.Backend.DeleteManyAsync(keys.Select(t.KeyOf).ToList(), cancellationToken).ConfigureAwait(false);
                return failures.Select(f => new DeleteFailure(t.PathOf(f.Key), t.Wrap(f.Error, f.Key))).ToList();
            }
            catch (StorageException ex) { return keys.Select(k => new DeleteFailure(k, t.Wrap(ex, k))).ToList(); }
        }).ToList();
        var all = await Task.WhenAll(perTarget).ConfigureAwait(false);
        return all.SelectMany(f => f).GroupBy(f => f.Key, StringComparer.Ordinal).Select(g => g.First()).ToList();
    }

    static UploadOptions Quiet(UploadOptions options) => new()
    {
        Overwrite = options.Overwrite, ContentType = options.ContentType, ContentMD5 = options.ContentMD5, Length = options.Length,
        Source = options.Source, WriteId = options.WriteId,
    };

    static async Task Settle(IEnumerable<Task> tasks)
    {
        try { await Task.WhenAll(tasks).ConfigureAwait(false); }
        catch (Exception) { } // each task's outcome is read below
    }

    /// <summary>The first target's answer when every target succeeded; else an error naming who has it and who does not.</summary>
    RemoteObject Outcome(string operation, string key, IReadOnlyList<Task<RemoteObject>> tasks)
    {
        var failed = Members.Zip(tasks).Where(p => !p.Second.IsCompletedSuccessfully).ToList();
        if (failed.Count == 0) return Members[0].Back(tasks[0].Result);
        var errors = failed.Select(p => (p.First, Error: p.Second.Exception?.GetBaseException() ?? new OperationCanceledException())).ToList();
        if (errors.All(e => e.Error is OperationCanceledException)) throw errors[0].Error;
        var held = Members.Zip(tasks).Where(p => p.Second.IsCompletedSuccessfully).Select(p => p.First).ToList();
        // Every target gave the same answer about the object (already there, missing): no divergence, that answer.
        if (held.Count == 0 && (errors.All(e => e.Error is StorageConflictException) || errors.All(e => e.Error is StorageNotFoundException)))
            throw errors[0].First.Answer((StorageException)errors[0].Error);
        throw new MirrorTargetsException(operation, key, held, errors);
    }

    // ---- reads: the first healthy target -------------------------------------------------------

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        var start = destination.CanSeek ? destination.Position : 0;
        return await FirstHealthyAsync("download", key, async t =>
        {
            var counted = new CountingWriteStream(destination, options.Progress);
            try
            {
                return t.Back(await t.Backend.DownloadAsync(t.KeyOf(key), counted, TransferOptions.Default, cancellationToken).ConfigureAwait(false));
            }
            catch (StorageException ex) when (counted.Count > 0 && MirrorTarget.MayFailOver(ex))
            {
                // Bytes already went out: another target can take over only from the start.
                if (!destination.CanSeek) throw new MirrorTargetsException("download", key, [], [(t, ex)]);
                destination.Position = start;
                destination.SetLength(start);
                throw;
            }
        }).ConfigureAwait(false);
    }

    public override Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken) =>
        FirstHealthyAsync("stat", key, async t => await t.Backend.StatAsync(t.KeyOf(key), cancellationToken).ConfigureAwait(false) is { } found ? t.Back(found) : null);

    /// <summary>A listing stays on the target that gave its first page: the continuation token says which ("2:token").</summary>
    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        if (continuationToken is not null)
        {
            var colon = continuationToken.IndexOf(':');
            var member = Members[int.Parse(continuationToken[..colon], System.Globalization.CultureInfo.InvariantCulture) - 1];
            return await PageOf(member, keyPrefix, options, continuationToken[(colon + 1)..], cancellationToken).ConfigureAwait(false);
        }
        return await FirstHealthyAsync("list", keyPrefix, t => PageOf(t, keyPrefix, options, null, cancellationToken)).ConfigureAwait(false);
    }

    static async Task<ListPage> PageOf(MirrorTarget t, string keyPrefix, ListOptions options, string? token, CancellationToken cancellationToken)
    {
        var page = await t.Backend.ListPageAsync(t.KeyOf(keyPrefix), options, token, cancellationToken).ConfigureAwait(false);
        return new ListPage(page.Objects.Select(t.Back).ToList(), page.CommonPrefixes.Select(t.PathOf).ToList(),
            page.NextToken is null ? null : $"{t.Number}:{page.NextToken}");
    }

    /// <summary>Every target must answer: a mirror that cannot reach one of them would diverge on the next write.</summary>
    public override async Task CheckAsync(CancellationToken cancellationToken)
    {
        var tasks = Members.Select(async t => { await t.Backend.CheckAsync(cancellationToken).ConfigureAwait(false); return new RemoteObject(); }).ToList();
        await Settle(tasks).ConfigureAwait(false);
        Outcome("check", "", tasks);
    }

    async Task<T> FirstHealthyAsync<T>(string operation, string key, Func<MirrorTarget, Task<T>> read)
    {
        var errors = new List<(MirrorTarget, Exception)>();
        foreach (var target in Members)
        {
            try { return await read(target).ConfigureAwait(false); }
            catch (StorageException ex) when (MirrorTarget.MayFailOver(ex)) { errors.Add((target, ex)); }
            catch (StorageException ex) when (ex is not MirrorTargetsException) { throw target.Answer(ex); }
        }
        throw new MirrorTargetsException(operation, key, [], errors);
    }

    public override ServerCopySupport CanCopyServerSide(StorageBackend source) =>
        ServerCopySupport.No("the mirror backend writes each copy to every target");

    public override async ValueTask DisposeAsync()
    {
        foreach (var target in Members) await target.Backend.DisposeAsync().ConfigureAwait(false);
    }
}
