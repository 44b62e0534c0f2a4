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

/// <summary>Keys for the encrypt layer's tests (random per run; never a real secret).</summary>
public static class TestKeys
{
    public static readonly byte[] Main = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public static readonly byte[] Other = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public static StorageBackend Encrypt(StorageBackend inner) => new EncryptLayer(inner, Main, "the test key");
}

/// <summary>Samples the managed heap above its start while a transfer runs.</summary>
public sealed class PeakManagedMemory : IDisposable
{
    readonly long _start = GC.GetTotalMemory(true);
    readonly Timer _timer;
    long _peak;

    public PeakManagedMemory() => _timer = new Timer(_ => Sample(), null, 0, 10);

    public long Peak { get { Sample(); return Interlocked.Read(ref _peak); } }

    void Sample()
    {
        var now = GC.GetTotalMemory(false) - _start;
        long seen;
        while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen) { }
    }

    public void Dispose() => _timer.Dispose();
}

/// <summary>Tests that measure the process's memory run alone (others' allocations would count as theirs).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LayerMemoryCollection
{
    public const string Name = "Layer memory";
}
