using Azure;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// Azure Blob Storage (and ADLS Gen2 through its blob endpoint). One container client per
/// connection, reused. Large files move as parallel blocks; every upload stores the whole-content
/// MD5 as the blob's Content-MD5, and downloads are checked against it.
/// </summary>
public sealed partial class AzureBackend : StorageBackend
{
    public static BackendDescriptor Descriptor { get; } = new()
    {
        Name = "azure",
        Description = "Azure Blob Storage or ADLS Gen2 (through the blob endpoint); also Azurite.",
        Options = AzureOptions.All,
        // Its section is not required by the registry: AzureAuthSelector gives the better error, listing the options.
        OwnedSections = [AzureOptions.Connection],
        IsBuiltIn = true,
        Create = config => new AzureBackend(AzureSettings.FromConfig(config)),
    };

    readonly AzureSettings _settings;
    readonly BlobContainerClient _container;
    readonly BlobBatchDeleter _batch;
    Task? _containerReady;

    public AzureBackend(AzureSettings settings) : this(settings, null) { }

    /// <summary>For tests: <paramref name="extraPolicy"/> sees every request sent (e.g. to count them);
    /// <paramref name="clock"/> times the batch deletes against single ones.</summary>
    internal AzureBackend(AzureSettings settings, HttpPipelinePolicy? extraPolicy, TimeProvider? clock = null)
    {
        _settings = settings;
        Prefix = settings.Prefix;
        _container = AzureClientFactory.Create(settings, AzureClientFactory.ServiceOptions(settings, extraPolicy));
        var capture = AzureClientFactory.Create(settings, AzureClientFactory.CaptureOptions(settings));
        _batch = new BlobBatchDeleter(_container, capture, settings.Container, DeleteAsync, clock);
        Location = BuildLocation();
    }

    /// <summary>The SDK's transfer sizes and concurrency, made per call (a struct): a field of this Azure.Storage.Common
    /// type would load that assembly whenever this type is (Import-Module registers Core's public type names).</summary>
    StorageTransferOptions Transfer => new()
    {
            MaximumConcurrency = _settings.MaxConcurrency,
            MaximumTransferSize = _settings.TransferSize,
            InitialTransferSize = _settings.InitialTransferSize,
    };

    public override string BackendType => "azure";

    /// <summary>Account URL + container (+ prefix). Query strings (SAS) are dropped: never a secret.</summary>
    public override string Location { get; }

    public override int MaxDeleteBatchSize => BlobBatchBody.MaxSubRequests;

    public override int DefaultConcurrency => 4;

    /// <summary>The settings this backend was created with (internal: they hold credentials).</summary>
    internal AzureSettings Settings => _settings;

    /// <summary>How this connection authenticates (for display; never a secret).</summary>
    public AzureAuthMethod AuthMethod => _settings.Auth.Method;

    internal bool BatchUnsupported => _batch.BatchUnsupported;

    /// <summary>True once single deletes proved faster than batches on this connection.</summary>
    internal bool SinglesFasterThanBatches => _batch.SinglesFaster;

    string BuildLocation()
    {
        var container = _container.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return Prefix.Length == 0 ? container : $"{container}/{Prefix}";
    }

    public override async Task<RemoteObject> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureContainerAsync(key, cancellationToken).ConfigureAwait(false);
        if (content.CanSeek)
        {
            var hash = await Md5.OfRemainingAsync(content, cancellationToken).ConfigureAwait(false);
            var start = content.Position;
            return await RecognisingOwnWriteAsync(key, options, () =>
            {
                content.Position = start;
                return PutAsync(key, content, content.Length - start, hash, options, cancellationToken);
            }, cancellationToken).ConfigureAwait(false);
        }

        // A forward-only stream: hash it on the way through, then record the MD5 on the blob.
        var hashing = new Md5ReadStream(content);
        var stored = await PutAsync(key, hashing, null, null, options, cancellationToken).ConfigureAwait(false);
        var md5 = hashing.Hash();
        try
        {
            var headers = new BlobHttpHeaders { ContentHash = md5, ContentType = options.ContentType ?? "application/octet-stream" };
            var info = await _container.GetBlobClient(key).SetHttpHeadersAsync(headers,
                new BlobRequestConditions { IfMatch = new ETag(stored.ETag!) }, cancellationToken).ConfigureAwait(false);
            return stored with { Size = hashing.BytesRead, ContentMD5 = Convert.ToBase64String(md5), ETag = Unquote(info.Value.ETag) };
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
    }

    public override async Task<RemoteObject> UploadFileAsync(string localPath, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureContainerAsync(key, cancellationToken).ConfigureAwait(false);
        return await RecognisingOwnWriteAsync(key, options, async () =>
        {
            var upload = new AzureBlockUpload(_container.GetBlockBlobClient(key), _settings, Location, key, localPath, options);
            try
            {
                var (info, size, md5) = await upload.RunAsync(cancellationToken).ConfigureAwait(false);
                return new RemoteObject
                {
                    Key = key,
                    Size = size,
                    LastModified = info.LastModified,
                    ETag = Unquote(info.ETag),
                    ContentMD5 = Convert.ToBase64String(md5),
                    Backend = BackendType,
                };
            }
            catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A -NoClobber write (If-None-Match: *) whose first try reached the service but whose answer was
    /// lost is retried, and the retry meets the blob it wrote itself. Such a write carries its write id
    /// as metadata; a conflict where the blob holds our id and our size is our own earlier success.
    /// </summary>
    async Task<RemoteObject> RecognisingOwnWriteAsync(string key, UploadOptions options, Func<Task<RemoteObject>> write, CancellationToken cancellationToken)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (StorageConflictException) when (!options.Overwrite && options.WriteId is not null)
        {
            var stored = await StatCoreAsync(key, cancellationToken).ConfigureAwait(false);
            if (stored is not null
                && stored.Metadata.TryGetValue(AzureBlockUpload.WriteIdMetadata, out var id) && id == options.WriteId
                && (options.Source is null || stored.ContentLength == options.Source.Length))
                return Describe(key, stored);
            throw;
        }
    }

    /// <summary>One upload: a single Put Blob up to initial_transfer_size, parallel blocks above it.
    /// Each request carries a transactional MD5 the service checks; the whole-content MD5, when
    /// known, is stored as the blob's Content-MD5 (also after a block commit).</summary>
    async Task<RemoteObject> PutAsync(string key, Stream content, long? length, byte[]? md5, UploadOptions options, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(key);
        var upload = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentHash = md5, ContentType = options.ContentType ?? "application/octet-stream" },
            Conditions = options.Overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
            Metadata = options.Overwrite || options.WriteId is null ? null : new Dictionary<string, string> { [AzureBlockUpload.WriteIdMetadata] = options.WriteId },
            TransferOptions = Transfer,
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
            ProgressHandler = DeltaProgress(options.Progress),
        };
        try
        {
            var response = await blob.UploadAsync(content, upload, cancellationToken).ConfigureAwait(false);
            var info = response.Value;
            return new RemoteObject
            {
                Key = key,
                Size = length ?? 0,
                LastModified = info.LastModified,
                ETag = Unquote(info.ETag),
                ContentMD5 = md5 is null ? null : Convert.ToBase64String(md5),
                Backend = BackendType,
            };
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
    }

    public override async Task<RemoteObject> DownloadAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (await TryDownloadInOneRequestAsync(key, destination, options, cancellationToken).ConfigureAwait(false) is { } small)
            return small; // (when it is not, nothing was written yet)
        var properties = await RequireAsync(key, cancellationToken).ConfigureAwait(false);
        var hashing = new Md5WriteStream(new LocalWriteGuardStream(destination, key));
        await DownloadToAsync(key, hashing, properties, options, cancellationToken).ConfigureAwait(false);
        Verify(key, properties, hashing);
        return Describe(key, properties);
    }

    public override bool CanResumeDownloads => true;

    /// <summary>One streamed GET of the range from <paramref name="offset"/>, pinned with If-Match.</summary>
    public override async Task<long> DownloadRangeAsync(string key, long offset, string etag, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var response = await _container.GetBlobClient(key).DownloadStreamingAsync(new BlobDownloadOptions
            {
                Range = new HttpRange(offset),
                Conditions = new BlobRequestConditions { IfMatch = new ETag($"\"{etag}\"") },
            }, cancellationToken).ConfigureAwait(false);
            using var result = response.Value;
            var guarded = new LocalWriteGuardStream(destination, key);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await result.Content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await guarded.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                options.Progress?.Report(read);
            }
            return total;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new StorageConflictException($"The remote file '{key}' changed since its download began.", key, ex);
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
    }

    /// <summary>
    /// Most bronze files are small: one GET of the first initial_transfer_size bytes is the whole
    /// download for them (no separate properties request). Null when the blob is larger (or empty):
    /// the caller then takes the parallel ranged path. The full blob's Content-MD5 comes with the answer.
    /// When the caller expects a small blob (a listed size), the GET is a plain one, as other tools send:
    /// Azurite spends ~10-15% more CPU on a ranged GET of a small blob (measured, 1,000 × 16 KiB); a blob
    /// that grew since its listing then simply arrives whole in that one answer.
    /// </summary>
    async Task<RemoteObject?> TryDownloadInOneRequestAsync(string key, Stream destination, TransferOptions options, CancellationToken cancellationToken)
    {
        var plain = options.ExpectedSize is >= 0 and var expected && expected <= _settings.InitialTransferSize;
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await _container.GetBlobClient(key).DownloadStreamingAsync(
                plain ? new BlobDownloadOptions() : new BlobDownloadOptions { Range = new HttpRange(0, _settings.InitialTransferSize) }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 416) { return null; } // an empty blob has no range 0-n
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }

        using var result = response.Value;
        var details = result.Details;
        var total = ParallelRangeDownload.TotalOf(details.ContentRange) ?? details.ContentLength;
        if (total > details.ContentLength) return null;

        var hashing = new Md5WriteStream(new LocalWriteGuardStream(destination, key));
        try { await result.Content.CopyToAsync(hashing, cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
        options.Progress?.Report(hashing.BytesWritten);
        if (hashing.BytesWritten != total)
            throw new StorageIntegrityException($"The remote file '{key}' arrived with {hashing.BytesWritten} bytes instead of {total}.", key);
        // A ranged answer carries the blob's MD5 as x-ms-blob-content-md5; a whole-blob answer as Content-MD5.
        var blobMd5 = details.BlobContentHash is { Length: > 0 } ranged ? ranged : plain && details.ContentHash is { Length: > 0 } whole ? whole : null;
        if (blobMd5 is { } md5 && !md5.AsSpan().SequenceEqual(hashing.Hash()))
            throw new StorageIntegrityException(
                $"The remote file '{key}' failed its integrity check: its Content-MD5 is {Convert.ToBase64String(md5)}, the received bytes hash to {Convert.ToBase64String(hashing.Hash())}.", key);
        return new RemoteObject
        {
            Key = key,
            Size = total,
            LastModified = details.LastModified,
            ETag = Unquote(details.ETag),
            ContentMD5 = blobMd5 is null ? null : Convert.ToBase64String(blobMd5),
            Backend = BackendType,
        };
    }

    /// <summary>Parallel ranged download, pinned to the version whose properties were read (If-Match).
    /// Ranges arrive in order, so the stream sees the bytes sequentially and can hash them.</summary>
    async Task DownloadToAsync(string key, Stream destination, BlobProperties properties, TransferOptions options, CancellationToken cancellationToken)
    {
        var download = new BlobDownloadToOptions
        {
            Conditions = new BlobRequestConditions { IfMatch = properties.ETag },
            TransferOptions = Transfer,
            ProgressHandler = DeltaProgress(options.Progress),
        };
        try
        {
            await _container.GetBlobClient(key).DownloadToAsync(destination, download, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new StorageTransientException($"The remote file '{key}' changed while it was being downloaded; download it again.", key, ex);
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
    }

    static void Verify(string key, BlobProperties properties, Md5WriteStream received)
    {
        if (received.BytesWritten != properties.ContentLength)
            throw new StorageIntegrityException($"The remote file '{key}' arrived with {received.BytesWritten} bytes instead of {properties.ContentLength}.", key);
        if (properties.ContentHash is { Length: > 0 } expected && !expected.AsSpan().SequenceEqual(received.Hash()))
            throw new StorageIntegrityException(
                $"The remote file '{key}' failed its integrity check: its Content-MD5 is {Convert.ToBase64String(expected)}, the received bytes hash to {Convert.ToBase64String(received.Hash())}.", key);
    }

    async Task<BlobProperties> RequireAsync(string key, CancellationToken cancellationToken) =>
        await StatCoreAsync(key, cancellationToken).ConfigureAwait(false)
        ?? throw new StorageNotFoundException($"The remote file '{key}' does not exist.", key);

    public override async Task<ListPage> ListPageAsync(string keyPrefix, ListOptions options, string? continuationToken, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pageSize = Math.Clamp(options.PageSize, 1, 5000);
        var prefix = keyPrefix.Length == 0 ? null : keyPrefix;
        var objects = new List<RemoteObject>();
        var prefixes = new List<string>();
        try
        {
            if (options.Recursive)
            {
                var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix, Traits = BlobTraits.Metadata }, cancellationToken)
                    .AsPages(continuationToken, pageSize);
                await foreach (var page in pages.ConfigureAwait(false))
                {
                    objects.AddRange(page.Values.Where(b => !IsDirectoryMarker(b)).Select(Describe));
                    return new ListPage(objects, prefixes, NullIfEmpty(page.ContinuationToken));
                }
            }
            else
            {
                var pages = _container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = prefix, Delimiter = "/", Traits = BlobTraits.Metadata }, cancellationToken)
                    .AsPages(continuationToken, pageSize);
                await foreach (var page in pages.ConfigureAwait(false))
                {
                    foreach (var item in page.Values)
                    {
                        if (item.IsPrefix) prefixes.Add(item.Prefix);
                        else if (!IsDirectoryMarker(item.Blob)) objects.Add(Describe(item.Blob));
                    }
                    return new ListPage(objects, prefixes, NullIfEmpty(page.ContinuationToken));
                }
            }
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, keyPrefix, _settings.Container, cancellationToken); }
        return new ListPage(objects, prefixes, null);
    }

    /// <summary>ADLS Gen2 (hierarchical namespace) shows its directories as empty blobs marked
    /// hdi_isfolder=true through the blob endpoint; they are not files.</summary>
    static bool IsDirectoryMarker(BlobItem blob) =>
        blob.Metadata is { } metadata && metadata.TryGetValue("hdi_isfolder", out var flag) && string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase);

    public override async Task<RemoteObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        var properties = await StatCoreAsync(key, cancellationToken).ConfigureAwait(false);
        return properties is null ? null : Describe(key, properties);
    }

    async Task<BlobProperties?> StatCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return (await _container.GetBlobClient(key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode != "ContainerNotFound")
        {
            // A HEAD carries no body; the error code header tells a missing blob from a missing container.
            if (ex.ErrorCode is null or "" && !await ContainerExistsAsync(cancellationToken).ConfigureAwait(false))
                throw AzureErrors.ContainerNotFound(_settings.Container, ex);
            return null;
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
    }

    async Task<bool> ContainerExistsAsync(CancellationToken cancellationToken)
    {
        try { return (await _container.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value; }
        catch (Exception ex) { throw AzureErrors.Map(ex, _settings.Container, _settings.Container, cancellationToken); }
    }

    public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _container.GetBlobClient(key).DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode != "ContainerNotFound")
        {
            // Already gone: deletes are idempotent.
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }
    }

    public override Task<IReadOnlyList<DeleteFailure>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        _batch.DeleteAsync(keys, cancellationToken);

    /// <summary>With create_container the container is made first, so the check lists an existing one.</summary>
    public override Task CheckAsync(CancellationToken cancellationToken) =>
        _settings.CreateContainer ? CreateAndCheckAsync(cancellationToken) : base.CheckAsync(cancellationToken);

    async Task CreateAndCheckAsync(CancellationToken cancellationToken)
    {
        await EnsureContainerAsync("", cancellationToken).ConfigureAwait(false);
        await base.CheckAsync(cancellationToken).ConfigureAwait(false);
    }

    Task EnsureContainerAsync(string key, CancellationToken cancellationToken)
    {
        if (!_settings.CreateContainer) return Task.CompletedTask;
        var ready = _containerReady;
        if (ready is { IsCompletedSuccessfully: true }) return ready;
        if (ready is null || ready.IsFaulted || ready.IsCanceled)
        {
            var created = CreateContainerAsync(key, cancellationToken);
            Interlocked.CompareExchange(ref _containerReady, created, ready);
            return created;
        }
        return ready;
    }

    async Task CreateContainerAsync(string key, CancellationToken cancellationToken)
    {
        try { await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) { throw AzureErrors.Map(ex, _settings.Container, _settings.Container, cancellationToken); }
    }

    RemoteObject Describe(BlobItem blob) => new()
    {
        Key = blob.Name,
        Size = blob.Properties.ContentLength ?? 0,
        LastModified = blob.Properties.LastModified,
        ETag = blob.Properties.ETag is { } etag ? Unquote(etag) : null,
        ContentMD5 = blob.Properties.ContentHash is { Length: > 0 } hash ? Convert.ToBase64String(hash) : null,
        Backend = BackendType,
    };

    RemoteObject Describe(string key, BlobProperties properties) => new()
    {
        Key = key,
        Size = properties.ContentLength,
        LastModified = properties.LastModified,
        ETag = Unquote(properties.ETag),
        ContentMD5 = properties.ContentHash is { Length: > 0 } hash ? Convert.ToBase64String(hash) : null,
        Backend = BackendType,
    };

    static string Unquote(ETag etag) => etag.ToString().Trim('"');

    static string? NullIfEmpty(string? token) => string.IsNullOrEmpty(token) ? null : token;

    /// <summary>The SDK reports running totals (from several threads); the cmdlets want increments.</summary>
    static IProgress<long>? DeltaProgress(IProgress<long>? target)
    {
        if (target is null) return null;
        long last = 0;
        return new SynchronousProgress(total =>
        {
            var previous = Interlocked.Exchange(ref last, total);
            if (total > previous) target.Report(total - previous);
        });
    }

    sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
