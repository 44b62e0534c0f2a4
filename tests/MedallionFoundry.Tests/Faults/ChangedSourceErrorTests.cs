using MedallionFoundry.Backends.Local;
using MedallionFoundry.Resilience;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Resilience;

namespace MedallionFoundry.Tests.Faults;

/// <summary>When an upload fails because the local file changed under it (S3 answers a part shorter than
/// announced with a bare HTTP 400; on Azure the request ends early, a transient error), the user hears about
/// the change, and the file is not sent again while something may still be writing it.</summary>
public sealed class ChangedSourceErrorTests
{
    static readonly ResilienceSettings Retrying = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(10) };

    [Fact]
    public async Task A_store_error_after_the_file_shrank_is_reported_as_the_change()
    {
        var (store, backend, path, root) = Create(shrinkFirst: true, new StorageException(StorageErrorKind.Unknown, "The store refused the request (HTTP 400)."));
        await using var _ = store;

        var error = await Assert.ThrowsAsync<StorageSourceChangedException>(() => store.UploadFileAsync(path, "c/data.bin"));

        Assert.Contains(path, error.Message);
        Assert.Contains("changed size from 4096 to 100 bytes", error.Message);
        Assert.Contains("abandoned before it was committed, so the remote file is as it was", error.Message);
        Assert.Equal(1, backend.Calls);
        Assert.False(File.Exists(Path.Combine(root, "c", "data.bin")));
    }

    [Fact]
    public async Task A_transient_error_after_the_file_shrank_is_reported_as_the_change_and_not_retried()
    {
        var (store, backend, path, root) = Create(shrinkFirst: true, new StorageTransientException("The request got no answer: sent 0 of 4096 bytes."));
        await using var _ = store;

        var error = await Assert.ThrowsAsync<StorageSourceChangedException>(() => store.UploadFileAsync(path, "c/data.bin"));

        Assert.Contains("changed size from 4096 to 100 bytes", error.Message);
        Assert.Contains("the upload failed (The request got no answer: sent 0 of 4096 bytes) and was not retried", error.Message);
        Assert.Contains("unless the request that failed was the one committing it", error.Message);
        Assert.Equal(1, backend.Calls);
        Assert.False(File.Exists(Path.Combine(root, "c", "data.bin")));
    }

    [Fact]
    public async Task A_store_error_with_the_file_unchanged_is_reported_as_it_was()
    {
        var (store, backend, path, _) = Create(shrinkFirst: false, new StorageException(StorageErrorKind.Unknown, "The store refused the request (HTTP 400)."));
        await using var __ = store;

        var error = await Assert.ThrowsAsync<StorageException>(() => store.UploadFileAsync(path, "c/data.bin"));

        Assert.IsNotType<StorageSourceChangedException>(error);
        Assert.Contains("HTTP 400", error.Message);
        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task A_transient_error_with_the_file_unchanged_is_still_retried()
    {
        var (store, backend, path, root) = Create(shrinkFirst: false, new StorageTransientException("The request got no answer."), failedCalls: 1);
        await using var __ = store;

        await store.UploadFileAsync(path, "c/data.bin");

        Assert.Equal(2, backend.Calls);
        Assert.Equal(TestData.Sha256File(path), TestData.Sha256File(Path.Combine(root, "c", "data.bin")));
    }

    /// <summary>A local store behind a backend whose first <paramref name="failedCalls"/> uploads fail with
    /// <paramref name="failure"/>, after shrinking the local file when <paramref name="shrinkFirst"/>.</summary>
    static (BronzeStore Store, FaultInjectingBackend Backend, string Path, string Root) Create(bool shrinkFirst, StorageException failure, int failedCalls = int.MaxValue)
    {
        var root = TestData.TempFolder("changed-source-store");
        var path = System.IO.Path.Combine(TestData.TempFolder("changed-source"), "data.bin");
        File.WriteAllBytes(path, TestData.Bytes(4096, 5));
        var backend = new FaultInjectingBackend(new LocalBackend(root), (operation, call) =>
        {
            if (operation != "upload" || call > failedCalls) return null;
            if (shrinkFirst) using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) file.SetLength(100);
            return failure;
        });
        return (new BronzeStore(backend, "test", new ResilientOperationRunner(Retrying)), backend, path, root);
    }
}
