using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Layers;

/// <summary>The stores of another fixture (local disk, the S3 server, Azurite) with layers over their backends.</summary>
public sealed class LayeredFixture(IBackendFixture inner, Func<StorageBackend, StorageBackend> wrap) : IBackendFixture
{
    public async Task<BronzeStore> CreateStoreAsync()
    {
        var store = await inner.CreateStoreAsync();
        return new BronzeStore(wrap(store.Backend), store.Name, store.Runner);
    }

    public IReadOnlyCollection<string> ServerDefects => inner.ServerDefects;

    public static LayeredFixture Local(Func<StorageBackend, StorageBackend> wrap) => new(new Local.LocalBackendFixture(), wrap);

    public static StorageBackend Zstd(StorageBackend inner) => new CompressLayer(inner, "zstd", 3);

    public static StorageBackend Gzip(StorageBackend inner) => new CompressLayer(inner, "gzip", 6);
}
