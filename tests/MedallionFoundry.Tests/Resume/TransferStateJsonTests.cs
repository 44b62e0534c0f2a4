using System.Reflection;
using System.Text;
using System.Text.Json;
using MedallionFoundry.Storage.Resume;

namespace MedallionFoundry.Tests.Resume;

/// <summary>The JSON of a resumable transfer's state: every property survives a save and a read, and
/// states written by earlier versions (the reflection-free serializer's format) read the same.</summary>
public sealed class TransferStateJsonTests
{
    /// <summary>What version 0.x wrote (JsonSerializer with generated metadata), byte for byte.</summary>
    const string EarlierVersionState = """
        {
          "Kind": "upload",
          "Backend": "s3",
          "Location": "s3://bronze/raw (http://127.0.0.1:9000)",
          "Key": "raw/big.bin",
          "LocalPath": "/data/big.bin",
          "TempPath": null,
          "ETag": null,
          "CompletePrefix": null,
          "Size": 20971520,
          "LocalWriteTimeUtc": "2026-12-01T08:30:15.1234567Z",
          "ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
          "UploadId": "upload-7",
          "PartSize": 5242880,
          "Parts": {
            "1": {
              "ETag": "etag-1",
              "Md5": "md5-1",
              "Length": 5242880
            },
            "2": {
              "ETag": "",
              "Md5": "md5-2",
              "Length": 5242880
            }
          },
          "CreatedUtc": "2026-12-01T08:30:16Z",
          "UpdatedUtc": "2026-12-07T06:54:31.8206415Z"
        }
        """;

    static readonly PropertyInfo[] Saved = typeof(TransferState).GetProperties()
        .Where(p => p.CanWrite && p.SetMethod!.IsPublic).ToArray();

    /// <summary>A distinct, non-default value for each saved property (a property of a new type fails here until it has one).</summary>
    static object ValueFor(PropertyInfo property, int index)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(string)) return $"{property.Name}-value-\"quoted\"-é-{index}";
        if (type == typeof(long)) return 4_000_000_000_000L + index;
        if (type == typeof(DateTime)) return new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567 + index);
        if (type == typeof(SortedDictionary<int, PartRecord>))
            return new SortedDictionary<int, PartRecord> { [1] = new("\"etag-1\"", "md5-1", 5L << 20), [2] = new(null, "md5-2", 17), [10_000] = new("etag-3", "md5-3", 1) };
        throw new InvalidOperationException($"TransferState.{property.Name} is a {type}: give it a test value here and save it in TransferStateJson.");
    }

    [Fact]
    public void Every_settable_property_of_a_state_survives_a_save_and_a_read()
    {
        var state = new TransferState();
        for (var i = 0; i < Saved.Length; i++) Saved[i].SetValue(state, ValueFor(Saved[i], i));

        var read = TransferStateJson.Read(TransferStateJson.Write(state));

        Assert.True(Saved.Length >= 16, $"only {Saved.Length} properties found");
        foreach (var property in Saved.Where(p => p.Name != nameof(TransferState.Parts)))
            Assert.True(Equals(property.GetValue(state), property.GetValue(read)), $"{property.Name}: saved {property.GetValue(state)}, read {property.GetValue(read)}");
        Assert.Equal(state.Parts, read.Parts);
        Assert.Equal(DateTimeKind.Utc, read.LocalWriteTimeUtc.Kind);
    }

    [Fact]
    public void Nulls_round_trip_as_nulls()
    {
        var state = new TransferState { Kind = TransferState.Download, TempPath = null, ETag = null, CompletePrefix = null, ContentMD5 = null, UploadId = null };
        var read = TransferStateJson.Read(TransferStateJson.Write(state));
        Assert.Null(read.TempPath);
        Assert.Null(read.CompletePrefix);
        Assert.Null(read.UploadId);
        Assert.Empty(read.Parts);
    }

    [Fact]
    public void A_state_an_earlier_version_wrote_reads_and_is_written_back_byte_for_byte()
    {
        var earlier = EarlierVersionState.ReplaceLineEndings(Environment.NewLine);
        var state = TransferStateJson.Read(Encoding.UTF8.GetBytes(earlier));

        Assert.Equal("raw/big.bin", state.Key);
        Assert.Equal(20971520, state.Size);
        Assert.Equal(new DateTime(2026, 12, 1, 8, 30, 15, DateTimeKind.Utc).AddTicks(1234567), state.LocalWriteTimeUtc);
        Assert.Equal([1, 2], state.Parts.Keys);
        Assert.Equal(new PartRecord("etag-1", "md5-1", 5242880), state.Parts[1]);
        Assert.Equal(earlier, Encoding.UTF8.GetString(TransferStateJson.Write(state)));
    }

    [Fact]
    public void Properties_a_later_version_adds_are_skipped()
    {
        var json = """{ "Future": { "a": [1, 2, { "b": null }] }, "Key": "k", "Parts": { "3": { "Md5": "m", "Length": 4, "Crc": "x" } }, "Size": 9 }""";
        var state = TransferStateJson.Read(Encoding.UTF8.GetBytes(json));
        Assert.Equal("k", state.Key);
        Assert.Equal(9, state.Size);
        Assert.Equal(new PartRecord(null, "m", 4), state.Parts[3]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{ "Key": "k" """)]
    [InlineData("""{ "Size": "twelve" }""")]
    [InlineData("""{ "Kind": 5 }""")]
    [InlineData("""{ "LocalWriteTimeUtc": "yesterday" }""")]
    [InlineData("""{ "Size": 99999999999999999999999 }""")]
    [InlineData("""{ "Parts": { "one": { "Md5": "m" } } }""")]
    [InlineData("""{ "Parts": [1] }""")]
    public void Anything_that_is_not_a_state_is_a_JsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => TransferStateJson.Read(Encoding.UTF8.GetBytes(json)));
}
