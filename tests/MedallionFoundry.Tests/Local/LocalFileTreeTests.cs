using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Local;

/// <summary>The one local-tree walk: links, loops, our temp files, unreadable entries.</summary>
public sealed class LocalFileTreeTests
{
    readonly string _work = TestData.TempFolder("tree");
    readonly string _tree;
    readonly string _outside;

    public LocalFileTreeTests()
    {
        _tree = Path.Combine(_work, "tree");
        _outside = Path.Combine(_work, "outside");
        Write(_tree, "a.csv");
        Write(_tree, "sub/b.csv");
        Write(_tree, "sub/deep/er/c.csv");
        Write(_outside, "secret.txt");
        Write(_outside, "dir/secret2.txt");
    }

    static void Write(string root, string relative)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relative);
    }

    static string[] Files(IEnumerable<LocalTreeEntry> entries) =>
        entries.Where(e => e.Kind == LocalTreeEntryKind.File).Select(e => e.RelativePath).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Lists_every_file_with_relative_paths_sizes_and_dot_files()
    {
        Write(_tree, ".hidden");
        var entries = LocalFileTree.Enumerate(_tree).ToList();
        Assert.Equal(new[] { ".hidden", "a.csv", "sub/b.csv", "sub/deep/er/c.csv" }, Files(entries));
        Assert.All(entries, e => Assert.Equal(LocalTreeEntryKind.File, e.Kind));
        Assert.Equal("sub/b.csv".Length, entries.Single(e => e.RelativePath == "sub/b.csv").Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Folder_links_are_skipped_by_default_at_any_depth(bool absolute)
    {
        var inside = Path.Combine(_tree, "sub/deep/in");
        var outside = Path.Combine(_tree, "sub/deep/out");
        Directory.CreateSymbolicLink(inside, absolute ? Path.Combine(_tree, "sub") : "..");
        Directory.CreateSymbolicLink(outside, absolute ? Path.Combine(_outside, "dir") : "../../../outside/dir");

        var entries = LocalFileTree.Enumerate(_tree).ToList();
        Assert.Equal(new[] { "a.csv", "sub/b.csv", "sub/deep/er/c.csv" }, Files(entries));
        var skipped = entries.Where(e => e.Kind == LocalTreeEntryKind.Skipped).OrderBy(e => e.RelativePath).ToList();
        Assert.Equal(new[] { "sub/deep/in", "sub/deep/out" }, skipped.Select(e => e.RelativePath));
        Assert.All(skipped, e => Assert.Contains(e.SkipReason, new[] { LocalTreeSkipReason.FolderLink, LocalTreeSkipReason.LinkOutside }));
        Assert.Equal(Path.Combine(_outside, "dir"), skipped[1].LinkTarget);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void File_links_inside_the_tree_are_files_and_links_leaving_it_are_skipped(bool absolute)
    {
        File.CreateSymbolicLink(Path.Combine(_tree, "sub/deep/latest.csv"), absolute ? Path.Combine(_tree, "a.csv") : "../../a.csv");
        File.CreateSymbolicLink(Path.Combine(_tree, "sub/deep/er/leak.txt"), absolute ? Path.Combine(_outside, "secret.txt") : "../../../../outside/secret.txt");
        File.CreateSymbolicLink(Path.Combine(_tree, "broken.csv"), "nowhere.csv");

        var entries = LocalFileTree.Enumerate(_tree).ToList();
        Assert.Equal(new[] { "a.csv", "sub/b.csv", "sub/deep/er/c.csv", "sub/deep/latest.csv" }, Files(entries));
        Assert.Equal(LocalTreeSkipReason.LinkOutside, entries.Single(e => e.RelativePath == "sub/deep/er/leak.txt").SkipReason);
        Assert.Equal(LocalTreeSkipReason.BrokenLink, entries.Single(e => e.RelativePath == "broken.csv").SkipReason);
        Assert.Equal(Path.Combine(_tree, "a.csv"), entries.Single(e => e.RelativePath == "sub/deep/latest.csv").LinkTarget);
    }

    [Fact]
    public void Following_every_link_reaches_outside_but_never_loops()
    {
        Directory.CreateSymbolicLink(Path.Combine(_tree, "sub/loop"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_tree, "sub/deep/loop2"), Path.Combine(_tree, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(_tree, "out"), Path.Combine(_outside, "dir"));
        Directory.CreateSymbolicLink(Path.Combine(_outside, "dir/back"), _tree); // from outside, back into the tree
        File.CreateSymbolicLink(Path.Combine(_tree, "leak.txt"), "../outside/secret.txt");

        var entries = LocalFileTree.Enumerate(_tree, LocalFileTreeOptions.FollowAll).ToList();
        Assert.Equal(new[] { "a.csv", "leak.txt", "out/secret2.txt", "sub/b.csv", "sub/deep/er/c.csv" }, Files(entries));
        var loops = entries.Where(e => e.SkipReason == LocalTreeSkipReason.Loop).Select(e => e.RelativePath).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "out/back", "sub/deep/loop2", "sub/loop" }, loops);
    }

    [Fact]
    public void Links_pointing_at_each_other_are_a_loop_not_a_crash()
    {
        File.CreateSymbolicLink(Path.Combine(_tree, "x"), "y");
        File.CreateSymbolicLink(Path.Combine(_tree, "y"), "x");
        var entries = LocalFileTree.Enumerate(_tree, LocalFileTreeOptions.FollowAll).ToList();
        Assert.Equal(new[] { "a.csv", "sub/b.csv", "sub/deep/er/c.csv" }, Files(entries));
        Assert.Equal(2, entries.Count(e => e.SkipReason == LocalTreeSkipReason.Loop));
    }

    [Fact]
    public void A_root_given_as_a_link_is_followed_and_keeps_its_name_in_paths()
    {
        var link = Path.Combine(_work, "tree-link");
        Directory.CreateSymbolicLink(link, _tree);
        var entries = LocalFileTree.Enumerate(link).ToList();
        Assert.Equal(new[] { "a.csv", "sub/b.csv", "sub/deep/er/c.csv" }, Files(entries));
        Assert.All(entries, e => Assert.StartsWith(link + Path.DirectorySeparatorChar, e.FullPath));
    }

    [Fact]
    public void The_modules_own_temp_files_are_never_listed()
    {
        Write(_tree, $"sub/.b.csv.{Guid.NewGuid():N}.mfpart");     // older download format
        Write(_tree, $"sub/b.csv.{Guid.NewGuid():N}.mftmp");       // older local-store format
        File.WriteAllText(TempFileNames.Beside(Path.Combine(_tree, "a.csv"), TempFileNames.DownloadSuffix), "partial");
        File.WriteAllText(TempFileNames.Beside(Path.Combine(_tree, "a.csv"), TempFileNames.UploadSuffix), "partial");
        Write(_tree, "notes.mfpart");                              // a user's file that only looks alike
        Assert.Equal(new[] { "a.csv", "notes.mfpart", "sub/b.csv", "sub/deep/er/c.csv" }, Files(LocalFileTree.Enumerate(_tree)));
    }

    [Fact]
    public void A_path_longer_than_the_system_allows_is_one_error_and_the_rest_is_listed()
    {
        // A folder chain whose full path passes 4,096 bytes: .NET refuses to make one, the shell
        // makes it one relative step at a time.
        var deep = Path.Combine(_tree, "zz-deep");
        Directory.CreateDirectory(deep);
        var segment = new string('d', 250);
        TestData.RunShell(deep, $"for i in $(seq 18); do mkdir {segment} && cd {segment} || exit 1; done; echo far > far.txt");
        try
        {
            var entries = LocalFileTree.Enumerate(_tree).ToList();
            Assert.Equal(new[] { "a.csv", "sub/b.csv", "sub/deep/er/c.csv" }, Files(entries));
            var error = Assert.Single(entries, e => e.Kind == LocalTreeEntryKind.Error);
            Assert.IsAssignableFrom<IOException>(error.Error);
            Assert.StartsWith("zz-deep/", error.RelativePath);
        }
        finally
        {
            // Neither .NET nor Remove-Item can delete a path this long; rm walks it one folder at a time.
            TestData.RunShell(_tree, "rm -rf zz-deep");
        }
    }

    [Fact]
    public void Inside_means_the_real_path_in_every_rule()
    {
        Directory.CreateSymbolicLink(Path.Combine(_tree, "up"), "../outside");
        Assert.Equal(Path.Combine(_outside, "dir"), LocalLinks.RealPath(Path.Combine(_tree, "up/dir")));
        Assert.Equal(Path.Combine(_outside, "dir/new/file"), LocalLinks.RealPath(Path.Combine(_tree, "up/dir/new/file")));
        Assert.True(LocalLinks.IsInside(_tree, Path.Combine(_tree, "sub")));
        Assert.True(LocalLinks.IsInside(_tree, _tree));
        Assert.False(LocalLinks.IsInside(_tree, _tree + "2/x"));
        Assert.True(LocalLinks.IsInside("/", "/etc"));

        Assert.False(LocalLinks.TryResolveInside(_tree, "up/dir/x.txt", out _, out var link, out var target));
        Assert.Equal(Path.Combine(_tree, "up"), link);
        Assert.Equal(_outside, target);
        Assert.True(LocalLinks.TryResolveInside(_tree, "sub/new/x.txt", out var resolved, out _, out _));
        Assert.Equal(Path.Combine(_tree, "sub/new/x.txt"), resolved);
    }
}

public sealed class TempFileNamesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    [InlineData(215)]
    [InlineData(240)]
    [InlineData(255)]
    public void A_temp_name_fits_whenever_the_final_name_fits(int bytes)
    {
        foreach (var unit in new[] { "a", "é", "€", "😀" }) // 1 to 4 UTF-8 bytes per character
        {
            var name = string.Concat(Enumerable.Repeat(unit, bytes / System.Text.Encoding.UTF8.GetByteCount(unit)));
            foreach (var suffix in new[] { TempFileNames.DownloadSuffix, TempFileNames.UploadSuffix })
            {
                var temp = Path.GetFileName(TempFileNames.Beside(Path.Combine("/data", name), suffix));
                Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(temp), 1, TempFileNames.MaxNameBytes);
                Assert.True(TempFileNames.IsTempName(temp), temp);
                Assert.DoesNotContain('\uFFFD', temp); // never cut inside a character
                Assert.StartsWith("." + name[..Math.Min(name.Length, 8)], temp);
            }
        }
    }

    [Fact]
    public void Stale_temp_files_are_cleaned_and_fresh_ones_and_data_are_kept()
    {
        var folder = TestData.TempFolder("stale");
        var stale = TempFileNames.Beside(Path.Combine(folder, "x.csv"), TempFileNames.DownloadSuffix);
        var fresh = TempFileNames.Beside(Path.Combine(folder, "y.csv"), TempFileNames.UploadSuffix);
        var lookalike = Path.Combine(folder, "old.mfpart");
        foreach (var f in new[] { stale, fresh, lookalike }) File.WriteAllText(f, "x");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TempFileNames.StaleAge - TimeSpan.FromMinutes(1));
        File.SetLastWriteTimeUtc(lookalike, DateTime.UtcNow.AddDays(-30));

        Assert.Equal(1, TempFileNames.CleanStale(folder));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(lookalike));
    }
}

public sealed class DestinationClaimsTests
{
    [Fact]
    public void The_first_source_wins_the_same_source_again_is_no_collision()
    {
        var claims = DestinationClaims.ForUpload();
        Assert.Equal(ClaimResult.Claimed, claims.Claim("x/y.csv", "/coll/x/y.csv", out _));
        Assert.Equal(ClaimResult.SameSource, claims.Claim("x/y.csv", "/coll/x/y.csv", out _));
        Assert.Equal(ClaimResult.Collision, claims.Claim("x/y.csv", "/coll/x\\y.csv", out var first));
        Assert.Equal("/coll/x/y.csv", first);
        Assert.Equal(ClaimResult.Claimed, claims.Claim("X/y.csv", "/coll/X/y.csv", out _)); // object stores are case-sensitive
    }

    [Fact]
    public void Local_destinations_collide_when_the_file_system_folds_case()
    {
        var claims = new DestinationClaims(StringComparer.OrdinalIgnoreCase, StringComparer.Ordinal);
        Assert.Equal(ClaimResult.Claimed, claims.Claim("/dest/Data.csv", "Data.csv", out _));
        Assert.Equal(ClaimResult.Collision, claims.Claim("/dest/data.csv", "data.csv", out var first));
        Assert.Equal("Data.csv", first);
    }
}
