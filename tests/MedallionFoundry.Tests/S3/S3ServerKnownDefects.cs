using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.S3;

/// <summary>
/// Documents defects of the S3 test server (@20minutes/s3rver 5.0.0) that the product deliberately
/// does not work around (real S3 is right). Each test asserts the defect itself, so it FAILS once the
/// server is fixed: then delete it, and the matching contract test turns green.
/// </summary>
public sealed class S3ServerKnownDefects(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    /// <summary>The contract test One_level_listing_finds_folders_two_or_more_levels_deep fails on
    /// this server because of it; it passes on the local disk (and on AWS S3).</summary>
    [Fact]
    public async Task S3rver_5_0_0_defect_delimiter_listing_returns_nothing_when_objects_sit_two_levels_below_the_prefix()
    {
        await using var store = await fixture.CreateStoreAsync();
        await store.UploadAsync(new MemoryStream("1"u8.ToArray()), "system=api/table=users/dt=2025-01-01/part-1.csv");
        await store.UploadAsync(new MemoryStream("2"u8.ToArray()), "system=api/readme.txt");
        await store.UploadAsync(new MemoryStream("3"u8.ToArray()), "system=api/table=orders/part-1.csv");

        var recursive = await Paths(store, "system=api/", recursive: true);
        var oneLevel = await Paths(store, "system=api/", recursive: false);

        Assert.Equal(3, recursive.Count); // the objects are there...
        // ...but the delimiter listing misses "system=api/table=users/" (real S3 returns it).
        Assert.Equal(new[] { "system=api/readme.txt", "system=api/table=orders/" }, oneLevel);
    }

    static async Task<List<string>> Paths(BronzeStore store, string prefix, bool recursive)
    {
        var paths = new List<string>();
        await foreach (var item in store.ListAsync(prefix, new ListOptions { Recursive = recursive })) paths.Add(item.Path);
        return paths.Order(StringComparer.Ordinal).ToList();
    }
}
