using MedallionFoundry.Sync;

namespace MedallionFoundry.Tests.Sync;

public sealed class ShardTests
{
    [Theory]
    // The reference XXH32 values (seed 0) from the xxHash project: the hash is fixed by its definition, on every OS.
    [InlineData("", 0x02CC5D05u)]
    [InlineData("abc", 0x32D153FFu)]
    public void The_hash_is_xxhash32_of_the_utf8_bytes(string text, uint expected) => Assert.Equal(expected, Shard.Hash(text));

    [Fact]
    public void Non_ascii_paths_hash_their_utf8_bytes()
    {
        // "é" is C3 A9 in UTF-8 (not the UTF-16 E9 00 of .NET strings).
        Assert.Equal(System.IO.Hashing.XxHash32.HashToUInt32(new byte[] { 0xC3, 0xA9 }), Shard.Hash("é"));
    }

    [Fact]
    public void Every_path_falls_in_exactly_one_of_n_shards_and_they_are_balanced()
    {
        var paths = Enumerable.Range(0, 2000).Select(i => $"system=api/table=users/dt=2025-01-{i % 31 + 1:D2}/part-{i:D5}.parquet").ToList();
        var shards = Enumerable.Range(0, 4).Select(i => new Shard(i, 4)).ToList();
        foreach (var path in paths) Assert.Single(shards, s => s.Contains(path));
        foreach (var shard in shards) Assert.InRange(paths.Count(shard.Contains), 400, 600);
    }

    [Theory]
    [InlineData("0/4", 0, 4)]
    [InlineData("3/4", 3, 4)]
    [InlineData(" 0 / 1 ", 0, 1)]
    public void Parses_i_of_n(string text, int index, int count) => Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("1/0")]
    [InlineData("-1/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void Rejects_what_is_not_a_shard(string text)
    {
        var error = Assert.Throws<FormatException>(() => Shard.Parse(text));
        Assert.Contains("0 <= i < n", error.Message);
    }
}
