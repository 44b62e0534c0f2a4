using MedallionFoundry.Storage;
using MedallionFoundry.Sync;

namespace MedallionFoundry.Tests.Sync;

/// <summary>What a sync does with each comparison, the path filters and the age window.</summary>
public sealed class SyncPlanTests
{
    static FolderComparison Compared(CompareStatus status) => new()
    {
        Path = "a.csv",
        Status = status,
        Local = status == CompareStatus.RemoteOnly ? null : new LocalFile("a.csv", "/tmp/a.csv", 10, DateTimeOffset.UtcNow),
        Remote = status == CompareStatus.LocalOnly ? null : new RemoteObject { Path = "x/a.csv", Size = 20 },
    };

    [Theory]
    [InlineData(CompareStatus.LocalOnly, SyncDirection.Upload, false, SyncActionKind.Upload, SyncReason.New, 10)]
    [InlineData(CompareStatus.Different, SyncDirection.Upload, false, SyncActionKind.Upload, SyncReason.Changed, 10)]
    [InlineData(CompareStatus.Equal, SyncDirection.Upload, false, SyncActionKind.Skip, SyncReason.Equal, 10)]
    [InlineData(CompareStatus.RemoteOnly, SyncDirection.Upload, true, SyncActionKind.Delete, SyncReason.Extraneous, 20)]
    [InlineData(CompareStatus.RemoteOnly, SyncDirection.Download, false, SyncActionKind.Download, SyncReason.New, 20)]
    [InlineData(CompareStatus.Different, SyncDirection.Download, false, SyncActionKind.Download, SyncReason.Changed, 20)]
    [InlineData(CompareStatus.LocalOnly, SyncDirection.Download, true, SyncActionKind.Delete, SyncReason.Extraneous, 10)]
    [InlineData(CompareStatus.Error, SyncDirection.Upload, true, SyncActionKind.Skip, SyncReason.Error, 10)]
    public void Each_comparison_maps_to_one_action(CompareStatus status, SyncDirection direction, bool delete, SyncActionKind action, SyncReason reason, long size)
    {
        var planned = SyncAction.For(Compared(status), direction, delete);
        Assert.NotNull(planned);
        Assert.Equal((action, reason, size), (planned.Action, planned.Reason, planned.Size));
    }

    [Theory]
    [InlineData(CompareStatus.RemoteOnly, SyncDirection.Upload)]
    [InlineData(CompareStatus.LocalOnly, SyncDirection.Download)]
    public void A_destination_only_file_is_left_alone_without_delete(CompareStatus status, SyncDirection direction) =>
        Assert.Null(SyncAction.For(Compared(status), direction, delete: false));

    [Theory]
    [InlineData("dt=2025-01-01/part-1.csv", true)]
    [InlineData("DT=2025-01-01/PART-1.CSV", true)] // case-insensitive, as PowerShell wildcards
    [InlineData("dt=2025-01-01/part-1.tmp", false)]
    [InlineData("other/part-1.csv", false)]
    public void Include_and_exclude_match_the_whole_relative_path(string path, bool included) =>
        Assert.Equal(included, new PathFilter(include: ["dt=*/*.csv"], exclude: ["*.tmp"]).Includes(path));

    [Fact]
    public void Star_crosses_folders_and_backslashes_in_patterns_mean_slash()
    {
        Assert.True(new PathFilter(include: ["*.csv"]).Includes("a/b/c.csv"));
        Assert.False(new PathFilter(exclude: [@"a\b\*"]).Includes("a/b/c.csv"));
        Assert.True(new PathFilter(exclude: [@"a\b\*"]).Includes("a/c.csv"));
    }

    [Fact]
    public void The_age_window_keeps_files_between_min_and_max_age()
    {
        var now = DateTimeOffset.UtcNow;
        var window = new AgeFilter(TimeSpan.FromHours(1), TimeSpan.FromDays(2), now);
        Assert.False(window.Includes(now.AddMinutes(-10)));   // too young
        Assert.True(window.Includes(now.AddHours(-5)));
        Assert.False(window.Includes(now.AddDays(-3)));       // too old
        Assert.False(window.Includes(null));                  // no time: not within any window
        Assert.True(new AgeFilter(null, null, now).Includes(null));
    }

    [Fact]
    public async Task A_source_outside_the_age_window_is_neither_transferred_nor_its_destination_deleted()
    {
        var folder = Contract.TestData.TempFolder("age");
        var young = Path.Combine(folder, "young.csv");
        File.WriteAllBytes(young, [1, 2, 3]);
        var tree = LocalTree.Scan(folder);
        var remote = new RemoteObject { Path = "young.csv", Size = 99, LastModified = DateTimeOffset.UtcNow.AddDays(-10) };
        var comparer = new FolderComparer
        {
            Age = new AgeFilter(TimeSpan.FromHours(1), null, DateTimeOffset.UtcNow),
            Hasher = new LocalHasher(),
            RemoteMd5 = (_, _) => Task.FromResult<string?>(null),
        };
        Assert.Empty(await comparer.CompareAsync(tree, One(remote)));
    }

    static async IAsyncEnumerable<(string, RemoteObject)> One(RemoteObject item)
    {
        await Task.Yield();
        yield return (item.Path, item);
    }
}
