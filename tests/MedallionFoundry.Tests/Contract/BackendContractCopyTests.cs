using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Contract;

/// <summary>The copy part of the contract: within a prefix, across prefixes (two stores of the same
/// server), empty and multi-part sizes, conflicts and missing sources. Copies between stores of one
/// fixture are server-side where the backend can (the fixtures lower the multipart copy limits so
/// 11 MiB goes in several parts), streamed otherwise; either way the bytes must arrive intact.</summary>
public abstract partial class BackendContractTests
{
    const int MultiPartSize = 11 * 1024 * 1024 + 3;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_001)]
    [InlineData(MultiPartSize)]
    public async Task Copy_within_a_prefix_keeps_every_byte_and_the_source(int length)
    {
        await using var store = await NewStore();
        var data = TestData.Bytes(length, seed: length + 3);
        await Put(store, "landing/part-0001.bin", data);

        var result = await store.CopyToAsync("landing/part-0001.bin", store, "system=crm/table=accounts/part-0001.bin");

        Assert.Equal("system=crm/table=accounts/part-0001.bin", result.Destination.Path);
        Assert.Equal(length, result.Destination.Size);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(store, "system=crm/table=accounts/part-0001.bin")));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(store, "landing/part-0001.bin")));
        Assert.False(result.SourceMoved);
        Assert.Equal(store.CopyMethodTo(store).IsSupported ? CopyMethod.ServerSide : CopyMethod.Streamed, result.Method);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4097)]
    [InlineData(MultiPartSize)]
    public async Task Copy_across_prefixes_lands_under_the_other_prefix_only(int length)
    {
        await using var source = await NewStore();
        await using var target = await NewStore();
        var data = TestData.Bytes(length, seed: length + 5);
        await Put(source, "dt=2025-01-01/part-0001.bin", data);

        var result = await source.CopyToAsync("dt=2025-01-01/part-0001.bin", target, "archive/dt=2025-01-01/part-0001.bin");

        Assert.Equal("archive/dt=2025-01-01/part-0001.bin", result.Destination.Path);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(target, "archive/dt=2025-01-01/part-0001.bin")));
        Assert.Equal(new[] { "archive/dt=2025-01-01/part-0001.bin" }, (await All(target, "")).Select(o => o.Path));
        Assert.Equal(new[] { "dt=2025-01-01/part-0001.bin" }, (await All(source, "")).Select(o => o.Path));
    }

    [Fact]
    public async Task Copy_replaces_by_default_and_refuses_when_asked_not_to()
    {
        await using var store = await NewStore();
        await Put(store, "src/a.csv", "new"u8.ToArray());
        await Put(store, "dst/a.csv", "old"u8.ToArray());

        await Assert.ThrowsAsync<StorageConflictException>(() =>
            store.CopyToAsync("src/a.csv", store, "dst/a.csv", new CopyOptions { Overwrite = false }));
        Assert.Equal("old"u8.ToArray(), await Fetch(store, "dst/a.csv"));

        await store.CopyToAsync("src/a.csv", store, "dst/a.csv");
        Assert.Equal("new"u8.ToArray(), await Fetch(store, "dst/a.csv"));
    }

    [Fact]
    public async Task Copy_of_a_missing_source_is_not_found_and_writes_nothing()
    {
        await using var store = await NewStore();

        var error = await Assert.ThrowsAsync<StorageNotFoundException>(() => store.CopyToAsync("no/such.csv", store, "dst/such.csv"));

        Assert.Equal("no/such.csv", error.Path);
        Assert.Empty(await All(store, ""));
    }

    [Fact]
    public async Task Copy_onto_itself_is_refused_and_the_file_is_kept()
    {
        await using var store = await NewStore();
        await Put(store, "same/a.csv", "a"u8.ToArray());

        await Assert.ThrowsAsync<StorageConflictException>(() => store.CopyToAsync("same/a.csv", store, "same\\a.csv"));

        Assert.Equal("a"u8.ToArray(), await Fetch(store, "same/a.csv"));
    }

    [Fact]
    public async Task Move_copy_is_verified_by_hash_before_the_source_may_go()
    {
        await using var source = await NewStore();
        await using var target = await NewStore();
        var data = TestData.Bytes(300_000, seed: 9);
        await Put(source, "landing/m.bin", data);

        var result = await source.CopyToAsync("landing/m.bin", target, "moved/m.bin", new CopyOptions { Move = true });
        if (!result.SourceMoved) await source.DeleteAsync("landing/m.bin");

        Assert.True(result.SourceMoved || result.HashVerified, "a move's copy must be hash-verified (or be a rename)");
        Assert.Null(await source.StatAsync("landing/m.bin"));
        Assert.Equal(TestData.Sha256(data), TestData.Sha256(await Fetch(target, "moved/m.bin")));
    }
}
