using MedallionFoundry.Backends.Local;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Resilience;

namespace MedallionFoundry.Tests.Faults;

/// <summary>When the store refuses an upload because the local file changed under it (S3 answers a part
/// shorter than announced with a bare HTTP 400), the user hears about the change, not the 400.</summary>
public sealed class ChangedSourceErrorTests
{
    [Fact]
    public async Task A_store_error_after_the_file_shrank_is_reported_as_the_change()
    {
        var (store, path, root) = Create(shrinkFirst: true);
        await using var _ = store;

        var error = await Assert.ThrowsAsync<StorageSourceChangedException>(() => store.UploadFileAsync(path, "c/data.bin"));

        Assert.Contains(path, error.Message);
        Assert.Contains("changed size from 4096 to 100 bytes", error.Message);
        Assert.Contains("remote file is as it was", error.Message);
        Assert.False(File.Exists(Path.Combine(root, "c", "data.bin")));
    }

    [Fact]
    public async Task A_store_error_with_the_file_unchanged_is_reported_as_it_was()
    {
        var (store, path, _) = Create(shrinkFirst: false);
        await using var __ = store;

        var error = await Assert.ThrowsAsync<StorageException>(() => store.UploadFileAsync(path, "c/data.bin"));

        Assert.IsNotType<StorageSourceChangedException>(error);
        Assert.Contains("HTTP 400", error.Message);
    }

    static (BronzeStore Store, string Path, string Root) Create(bool shrinkFirst)
    {
        var root = TestData.TempFolder("changed-source-store");
        var path = System.IO.Path.Combine(TestData.TempFolder("changed-source"), "data.bin");
        File.WriteAllBytes(path, TestData.Bytes(4096, 5));
        var backend = new FaultInjectingBackend(new LocalBackend(root), (operation, _) =>
        {
            if (operation != "upload") return null;
            if (shrinkFirst) using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) file.SetLength(100);
            return new StorageException(StorageErrorKind.Unknown, "The store refused the request (HTTP 400).", "c/data.bin");
        });
        return (new BronzeStore(backend), path, root);
    }
}
