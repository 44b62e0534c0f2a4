using Azure;
using Azure.Storage.Blobs.Models;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Azure;

/// <summary>
/// Downloads to a local file. The first GET asks for the first initial_transfer_size bytes (or for the
/// whole blob, when its listed size is no more than that): for most
/// bronze files that is the whole blob, in one request (no properties request first: the answer carries
/// the size, ETag and the blob's Content-MD5). Larger blobs continue with parallel ranged GETs pinned to
/// that ETag (If-Match), max_concurrency at once, in parts of at least transfer_size, each written at
/// its offset (see <see cref="ParallelRangeDownload"/>). The bytes are checked against the XXH3-128 our
/// block uploads store (mf_xxh128, see <see cref="ContentHasher"/>), else against the blob's Content-MD5
/// when it has one, always against its size.
/// </summary>
public sealed partial class AzureBackend
{
    public override async Task<RemoteObject> DownloadFileAsync(string key, string localPath, TransferOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var file = File.OpenHandle(localPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
        var blob = _container.GetBlobClient(key);
        // A blob the listing says is small is read with a plain GET, as other tools do (Azurite spends
        // ~10-15 % more CPU on a ranged one); one that grew since arrives whole in that one answer.
        var plain = options.ExpectedSize is >= 0 and var expected && expected <= _settings.InitialTransferSize;
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await blob.DownloadStreamingAsync(
                plain ? new BlobDownloadOptions() : new BlobDownloadOptions { Range = new HttpRange(0, _settings.InitialTransferSize) }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return await EmptyBlobAsync(key, cancellationToken).ConfigureAwait(false); // an empty blob has no range 0-n
        }
        catch (Exception ex) { throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken); }

        using var result = response.Value;
        var details = result.Details;
        var size = ParallelRangeDownload.TotalOf(details.ContentRange) ?? details.ContentLength;
        var etag = Unquote(details.ETag);
        // A ranged answer carries the blob's MD5 as x-ms-blob-content-md5, a whole-blob answer as Content-MD5.
        var expectedMd5 = details.BlobContentHash is { Length: > 0 } stored ? stored : plain && details.ContentHash is { Length: > 0 } whole ? whole : null;
        var expectedXxh128 = details.Metadata is { } metadata && metadata.TryGetValue(AzureBlockUpload.Xxh128Metadata, out var text) ? ContentHasher.ParseXxh128(text) : null;
        var hash = expectedXxh128 is not null ? ContentHashKind.Xxh128 : expectedMd5 is not null ? ContentHashKind.Md5 : ContentHashKind.None;
        options.Started?.Invoke(new RemoteObject { Key = key, Size = size, ETag = etag, Backend = BackendType });

        var parallel = size > details.ContentLength;
        var writesOutOfOrder = parallel && _settings.MaxConcurrency > 1;
        var partSize = PartSizes.For(size, _settings.TransferSize, _settings.MaxConcurrency);
        var download = new ParallelRangeDownload(file, localPath, key, size, firstLength: details.ContentLength, partSize,
            ParallelRangeDownload.ShortTailPartsFor(hash, _settings.MaxConcurrency));
        try
        {
            if (writesOutOfOrder) options.PrefixComplete?.Invoke(0);
            var digest = await download.RunAsync(result.Content, (offset, length, ct) => OpenRangeAsync(key, details.ETag, offset, length, ct),
                _settings.MaxConcurrency, hash, options.Progress,
                writesOutOfOrder ? options.PrefixComplete : null, cancellationToken).ConfigureAwait(false);
            if (hash == ContentHashKind.Xxh128) ContentHasher.VerifyXxh128(key, $"container '{_settings.Container}'", digest!, expectedXxh128!);
            else if (hash == ContentHashKind.Md5 && !digest.AsSpan().SequenceEqual(expectedMd5))
                throw new StorageIntegrityException(
                    $"The remote file '{key}' failed its integrity check: its Content-MD5 is {Convert.ToBase64String(expectedMd5!)}, the received bytes hash to {Convert.ToBase64String(digest!)}.", key);
        }
        catch (Exception ex)
        {
            if (parallel) download.KeepCompletePrefix(options);
            throw AzureErrors.Map(ex, key, _settings.Container, cancellationToken);
        }
        return new RemoteObject
        {
            Key = key,
            Size = size,
            LastModified = details.LastModified,
            ETag = etag,
            ContentMD5 = expectedMd5 is null ? null : Convert.ToBase64String(expectedMd5),
            Backend = BackendType,
        };
    }

    async Task<RemoteObject> EmptyBlobAsync(string key, CancellationToken cancellationToken)
    {
        var properties = await RequireAsync(key, cancellationToken).ConfigureAwait(false);
        if (properties.ContentLength != 0)
            throw new StorageTransientException($"The remote file '{key}' changed while it was being downloaded; download it again.", key);
        return Describe(key, properties);
    }

    /// <summary>One ranged GET of the version being downloaded; a changed blob answers 412.</summary>
    async Task<Stream> OpenRangeAsync(string key, ETag etag, long offset, long length, CancellationToken cancellationToken)
    {
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await _container.GetBlobClient(key).DownloadStreamingAsync(new BlobDownloadOptions
            {
                Range = new HttpRange(offset, length),
                Conditions = new BlobRequestConditions { IfMatch = etag },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new StorageTransientException($"The remote file '{key}' changed while it was being downloaded; download it again.", key, ex);
        }
        if (response.Value.Details.ContentLength != length)
        {
            response.Value.Dispose();
            throw new StorageIntegrityException($"The store answered the range {offset}-{offset + length - 1} of '{key}' with {response.Value.Details.ContentLength} bytes.", key);
        }
        return response.Value.Content;
    }
}
