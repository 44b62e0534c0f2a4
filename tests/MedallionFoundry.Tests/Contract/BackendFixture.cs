using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Contract;

/// <summary>
/// Gives the contract suite a fresh, empty store for each test: a new folder, bucket prefix or
/// container prefix, so tests never see each other's objects.
/// </summary>
public interface IBackendFixture
{
    /// <summary>A store whose configured prefix is unique to the calling test.</summary>
    Task<BronzeStore> CreateStoreAsync();
}
