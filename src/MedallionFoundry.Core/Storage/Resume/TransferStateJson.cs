using System.Buffers;
using System.Text.Json;

namespace MedallionFoundry.Storage.Resume;

/// <summary>
/// A <see cref="TransferState"/> as JSON, written and read with the framework's Utf8JsonWriter and
/// Utf8JsonReader. Every large transfer saves one, so its cost lands in every such transfer: the
/// serializer (even with generated metadata) JIT-compiled ~200 methods and held 1–2.5 MiB more at the
/// peak of a fresh process's 512 MiB transfer than this (measured, bench/ANALYSIS.md round 6).
/// The format is the serializer's: property names as declared, indented, nulls written; unknown
/// properties are skipped, so states of other versions still read. TransferStateJsonTests checks that
/// every property of <see cref="TransferState"/> round-trips, so a new one cannot be forgotten here.
/// </summary>
internal static class TransferStateJson
{
    public static byte[] Write(TransferState state)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString(nameof(state.Kind), state.Kind);
            json.WriteString(nameof(state.Backend), state.Backend);
            json.WriteString(nameof(state.Location), state.Location);
            json.WriteString(nameof(state.Key), state.Key);
            json.WriteString(nameof(state.LocalPath), state.LocalPath);
            json.WriteString(nameof(state.TempPath), state.TempPath);
            json.WriteString(nameof(state.ETag), state.ETag);
            if (state.CompletePrefix is { } prefix) json.WriteNumber(nameof(state.CompletePrefix), prefix);
            else json.WriteNull(nameof(state.CompletePrefix));
            json.WriteNumber(nameof(state.Size), state.Size);
            json.WriteString(nameof(state.LocalWriteTimeUtc), state.LocalWriteTimeUtc);
            json.WriteString(nameof(state.ContentMD5), state.ContentMD5);
            json.WriteString(nameof(state.UploadId), state.UploadId);
            json.WriteNumber(nameof(state.PartSize), state.PartSize);
            json.WriteStartObject(nameof(state.Parts));
            foreach (var (number, part) in state.Parts)
            {
                json.WriteStartObject(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString(nameof(part.ETag), part.ETag);
                json.WriteString(nameof(part.Md5), part.Md5);
                json.WriteNumber(nameof(part.Length), part.Length);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteString(nameof(state.CreatedUtc), state.CreatedUtc);
            json.WriteString(nameof(state.UpdatedUtc), state.UpdatedUtc);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The state in <paramref name="utf8"/>; <see cref="JsonException"/> when it is not a state.</summary>
    public static TransferState Read(ReadOnlySpan<byte> utf8)
    {
        // A value of the wrong kind ("Size": "x", "Kind": 5, a bad date) is as unreadable as broken JSON.
        try { return ReadState(utf8); }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException) { throw new JsonException(ex.Message, ex); }
    }

    static TransferState ReadState(ReadOnlySpan<byte> utf8)
    {
        var json = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        Expect(ref json, JsonTokenType.StartObject);
        var state = new TransferState();
        while (Next(ref json) != JsonTokenType.EndObject)
        {
            var name = json.GetString();
            Next(ref json);
            switch (name)
            {
                case nameof(state.Kind): state.Kind = json.GetString() ?? ""; break;
                case nameof(state.Backend): state.Backend = json.GetString() ?? ""; break;
                case nameof(state.Location): state.Location = json.GetString() ?? ""; break;
                case nameof(state.Key): state.Key = json.GetString() ?? ""; break;
                case nameof(state.LocalPath): state.LocalPath = json.GetString() ?? ""; break;
                case nameof(state.TempPath): state.TempPath = json.GetString(); break;
                case nameof(state.ETag): state.ETag = json.GetString(); break;
                case nameof(state.CompletePrefix): state.CompletePrefix = json.TokenType == JsonTokenType.Null ? null : json.GetInt64(); break;
                case nameof(state.Size): state.Size = json.GetInt64(); break;
                case nameof(state.LocalWriteTimeUtc): state.LocalWriteTimeUtc = json.GetDateTime(); break;
                case nameof(state.ContentMD5): state.ContentMD5 = json.GetString(); break;
                case nameof(state.UploadId): state.UploadId = json.GetString(); break;
                case nameof(state.PartSize): state.PartSize = json.GetInt64(); break;
                case nameof(state.Parts): ReadParts(ref json, state.Parts); break;
                case nameof(state.CreatedUtc): state.CreatedUtc = json.GetDateTime(); break;
                case nameof(state.UpdatedUtc): state.UpdatedUtc = json.GetDateTime(); break;
                default: json.Skip(); break;
            }
        }
        return state;
    }

    static void ReadParts(ref Utf8JsonReader json, SortedDictionary<int, PartRecord> parts)
    {
        if (json.TokenType == JsonTokenType.Null) return;
        if (json.TokenType != JsonTokenType.StartObject) throw new JsonException("Parts is not an object.");
        while (Next(ref json) != JsonTokenType.EndObject)
        {
            if (!int.TryParse(json.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
                throw new JsonException("A part number is not a number.");
            Expect(ref json, JsonTokenType.StartObject);
            string? etag = null, md5 = null;
            long length = 0;
            while (Next(ref json) != JsonTokenType.EndObject)
            {
                var name = json.GetString();
                Next(ref json);
                switch (name)
                {
                    case nameof(PartRecord.ETag): etag = json.GetString(); break;
                    case nameof(PartRecord.Md5): md5 = json.GetString(); break;
                    case nameof(PartRecord.Length): length = json.GetInt64(); break;
                    default: json.Skip(); break;
                }
            }
            // A part without its MD5 can never match the local bytes, so a resume sends it again.
            parts[number] = new PartRecord(etag, md5 ?? "", length);
        }
    }

    static JsonTokenType Next(ref Utf8JsonReader json) =>
        json.Read() ? json.TokenType : throw new JsonException("The state ends early.");

    static void Expect(ref Utf8JsonReader json, JsonTokenType type)
    {
        if (Next(ref json) != type) throw new JsonException($"Expected {type}, found {json.TokenType}.");
    }
}
