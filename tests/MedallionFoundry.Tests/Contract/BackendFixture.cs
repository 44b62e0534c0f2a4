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

    /// <summary>Defects of this fixture's test server (see <see cref="KnownServerDefects"/>) that the
    /// product deliberately does not work around; the contract asserts the defect instead, by name.</summary>
    IReadOnlyCollection<string> ServerDefects => Array.Empty<string>();
}

/// <summary>Names of test-server defects the contract suite knows about.</summary>
public static class KnownServerDefects
{
    /// <summary>@20minutes/s3rver 5.0.0: a ListObjectsV2 with delimiter=/ returns no contents and no
    /// common prefixes when the objects sit two or more levels below the prefix (real S3 is right).</summary>
    public const string S3rverDeepDelimiterListing = "s3rver 5.0.0: delimiter listing misses folders whose objects sit two or more levels down";
}
