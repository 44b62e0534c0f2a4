using MedallionFoundry.Backends.Local;
using MedallionFoundry.Storage;
using MedallionFoundry.Tests.Contract;
using MedallionFoundry.Tests.Resilience;

namespace MedallionFoundry.Tests.Local;

/// <summary>Listings stream: the first objects arrive after one page, and stopping early
/// (Select-Object -First) fetches at most the one page requested ahead.</summary>
public sealed class StreamedListingTests
{
    [Fact]
    public async Task Taking_the_first_items_fetches_only_the_pages_needed_plus_one_ahead()
    {
        var root = TestData.TempFolder("streamed");
        for (var i = 0; i < 50; i++)
        {
            Directory.CreateDirectory(Path.Combine(root, "p"));
            await File.WriteAllTextAsync(Path.Combine(root, "p", $"f-{i:D3}.csv"), "x");
        }
        var pagesFetched = 0;
        var backend = new FaultInjectingBackend(new LocalBackend(root), (op, _) => { if (op == "list") Interlocked.Increment(ref pagesFetched); return null; });
        await using var store = new BronzeStore(backend);

        var first = new List<string>();
        await foreach (var item in store.ListAsync("p/", new ListOptions { PageSize = 5 }))
        {
            first.Add(item.Path);
            if (first.Count == 3) break;
        }
        await Task.Delay(100); // let a prefetch that was started finish counting

        Assert.Equal(new[] { "p/f-000.csv", "p/f-001.csv", "p/f-002.csv" }, first);
        Assert.InRange(pagesFetched, 1, 2); // 10 pages exist
    }
}
