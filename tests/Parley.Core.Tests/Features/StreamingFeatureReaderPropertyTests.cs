using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Tests.Shared;

namespace Parley.Core.Tests.Features;

/// <summary>
/// The streaming reader against the reference model (<see cref="FeatureReader.ParseJson"/> then
/// <see cref="FeatureReader.ReadZones"/> or <see cref="FeatureReader.ReadOperations"/>): on the server fuzz test's
/// hostile bodies and on random collections cut into chunks of every size, it returns the same items, feature for
/// feature and bit for bit, or refuses with the same errors, error for error.
/// </summary>
public sealed class StreamingFeatureReaderPropertyTests
{
    private static readonly PartyId Blue = new("blue");

    /// <summary>
    /// The rules the reader is run under: any party, the demo's parties, or a tight vertex limit; with or without a
    /// caller (the owner of features that name none, as on the server).
    /// </summary>
    private static readonly Gen<(Agreement Agreement, PartyId? Caller)> Rules =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 40], Gen.Int[0, 3], (which, vertices, caller) =>
        {
            var agreement = which switch
            {
                0 => Agreement.Default(),
                1 => Agreement.Default() with
                {
                    Parties = [new Party(Blue, "Blue", PartyRole.Member), new Party(new PartyId("red"), "Red", PartyRole.Member), new Party(new PartyId("aid"), "Aid", PartyRole.Member)],
                },
                _ => Agreement.Default() with { MaxVerticesPerFeature = vertices },
            };
            return (agreement, caller == 0 ? (PartyId?)null : Blue);
        });

    /// <summary>Chunks from a byte (every guess lands somewhere odd) to the default size.</summary>
    private static readonly Gen<int> ChunkBytes = Gen.Frequency(
        (4, Gen.Int[1, 64]),
        (3, Gen.Int[65, 2_000]),
        (1, Gen.Const(StreamingFeatureReader.DefaultChunkBytes)));

    [Fact]
    public void every_fuzz_body_is_read_as_the_reference_reads_it_as_zones_and_as_operations()
    {
        int read = 0;
        Gen.Select(GeoJsonFuzzCorpus.AnyCase, Rules, ChunkBytes, MaxFeatures).Sample((c, rules, chunk, max) =>
        {
            read += AssertReadAlike(c.Body, zones: true, rules.Agreement, rules.Caller, chunk, max) ? 1 : 0;
            read += AssertReadAlike(c.Body, zones: false, rules.Agreement, rules.Caller, chunk, max) ? 1 : 0;
        }, iter: 4_000, threads: 1, print: t => t.Item1.ToString());
        Assert.True(read > 400, $"only {read} of 8,000 readings accepted anything"); // both kinds of outcome are compared
    }

    /// <summary>
    /// A collection of features, all valid and of one kind half of the time, otherwise with spoiled features and
    /// non-objects among them; with odd white space and extra root members, "features" before or after "type".
    /// </summary>
    private static readonly Gen<byte[]> Collections =
        Gen.Select(Gen.Bool, Gen.Bool, Valid.Array[0, 30], Element.Array[0, 30], Gen.Int[0, 4], Gen.Int[0, 3], Gen.Bool)
            .Select(Gen.Int[-1, 30], Gen.Int[-1, 30], (p, repeatFrom, repeatTo) =>
            {
                var (clean, zones, valid, elements, blanks, extra, featuresFirst) = p;
                string gap = new[] { "", " ", "\n", "\r\n\t ", "  \n  " }[blanks];
                var texts = clean
                    ? valid.Select((element, i) => element(i, zones ? FuzzRoute.Zones : FuzzRoute.Operations)).ToList()
                    : elements.Select((element, i) => element(i)).ToList();

                // A repeated id, sometimes: one feature copied over a later one.
                if (repeatFrom >= 0 && repeatTo > repeatFrom && repeatTo < texts.Count)
                {
                    texts[repeatTo] = texts[repeatFrom];
                }

                var body = new List<byte>();
                void Add(string s) => body.AddRange(Encoding.UTF8.GetBytes(s));
                string extraMember = extra switch
                {
                    0 => "",
                    1 => "\"bbox\":[-180,-90,180,90],",
                    2 => "\"name\":\"theater\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4326\"}},",
                    _ => "\"x\":{\"a\":[1,{\"b\":2,\"c\":[]}]},",
                };
                Add("{" + gap + (featuresFirst ? "" : "\"type\":\"FeatureCollection\"," + gap) + extraMember + "\"features\":" + gap + "[" + gap);
                for (int i = 0; i < texts.Count; i++)
                {
                    if (i > 0)
                    {
                        Add(gap + "," + gap);
                    }

                    body.AddRange(texts[i]);
                }

                Add(gap + "]" + gap + (featuresFirst ? ",\"type\":\"FeatureCollection\"" : "") + gap + "}" + gap);
                return body.ToArray();
            });

    /// <summary>A valid zone or operation, owned by a party or by the caller, sometimes with bait for a chunk's guess of where a feature starts.</summary>
    private static Gen<Func<int, FuzzRoute, byte[]>> Valid => Gen.Select(GeoJsonFuzzCorpus.ValidFeature, Gen.Int[0, 3], Gen.Int[-6, 5]).Select(p => (Func<int, FuzzRoute, byte[]>)((i, route) =>
    {
        var (feature, owner, bait) = p;
        var f = feature(route, $"f{i}");
        if (owner > 0)
        {
            f["properties"]!["owner"] = new[] { "blue", "red", "aid" }[owner - 1];
        }

        if (bait >= 0)
        {
            // Braces and commas inside strings and unknown members.
            f["properties"]!["name"] = new[] { ",{\"type\":\"Feature\"", "},{", ", {", "\\\",{", "{{{,}}}", "," }[bait];
            f["style"] = JsonNode.Parse("[{\"a\":1},{\"b\":[{},{}]}, {\"type\":\"Feature\",\"id\":\"decoy\"}]");
        }

        return Encoding.UTF8.GetBytes(f.ToJsonString());
    }));

    /// <summary>One element of a spoiled collection: a valid zone or operation, one spoiled by a mutation of the fuzz corpus, or not a feature.</summary>
    private static Gen<Func<int, byte[]>> Element => Gen.Frequency(
        (8, Gen.Select(Valid, Gen.Bool).Select(p => (Func<int, byte[]>)(i => p.Item1(i, p.Item2 ? FuzzRoute.Zones : FuzzRoute.Operations)))),
        (4, Gen.Select(GeoJsonFuzzCorpus.ValidFeature, GeoJsonFuzzCorpus.AnyMutation, Gen.Bool).Select(p => (Func<int, byte[]>)(i =>
            p.Item2.Apply(p.Item1(p.Item3 ? FuzzRoute.Zones : FuzzRoute.Operations, $"f{i}"))))),
        (1, Gen.OneOf("1", "null", "\"Feature\"", "[]", "{}", "{\"type\":\"Feature\"}", "[{\"type\":\"Feature\"}]", "{,}", "").Select(s => (Func<int, byte[]>)(_ => Encoding.UTF8.GetBytes(s)))));

    [Fact]
    public void collections_are_read_as_the_reference_reads_them_however_the_array_is_cut_into_chunks()
    {
        int read = 0;
        Gen.Select(Collections, Rules, ChunkBytes, MaxFeatures).Sample((body, rules, chunk, max) =>
        {
            read += AssertReadAlike(body, zones: true, rules.Agreement, rules.Caller, chunk, max) ? 1 : 0;
            read += AssertReadAlike(body, zones: false, rules.Agreement, rules.Caller, chunk, max) ? 1 : 0;
        }, iter: 1_500, threads: 1, print: t => $"chunks of {t.Item3} bytes: {Encoding.UTF8.GetString(t.Item1)}");
        Assert.True(read > 150, $"only {read} of 3,000 readings accepted anything");
    }

    [Fact]
    public void a_large_valid_collection_in_many_chunks_is_read_whole_in_order()
    {
        Gen.Select(GeoJsonFuzzCorpus.ValidFeature.Array[200, 400], Gen.Int[200, 3_000]).Sample((features, chunk) =>
        {
            string body = "{\"type\":\"FeatureCollection\",\"features\":[" +
                string.Join(",", features.Select((f, i) => f(FuzzRoute.Zones, $"z{i}").ToJsonString())) + "]}";
            var read = StreamingFeatureReader.Read<Zone>(Encoding.UTF8.GetBytes(body), Agreement.Default(), Blue, true, null, chunk);
            Assert.Equal(features.Length, read.Count);
            Assert.Equal(Enumerable.Range(0, features.Length).Select(i => $"z{i}"), read.Select(z => z.Id.Value));
            AssertReadAlike(Encoding.UTF8.GetBytes(body), zones: true, Agreement.Default(), Blue, chunk);
        }, iter: 40);
    }

    [Fact]
    public void a_decimal_is_read_as_the_general_parser_reads_it_whenever_the_fast_path_answers()
    {
        var decimals = Gen.Select(Gen.Bool, Gen.Long[0, long.MaxValue], Gen.Int[0, 25], Gen.Int[0, 19], (negative, digits, decimals, trim) =>
        {
            string d = digits.ToString(CultureInfo.InvariantCulture);
            d = d[..Math.Max(1, d.Length - trim)];
            string text = decimals == 0 || decimals >= d.Length ? d : d[..^decimals].TrimStart('0').PadLeft(1, '0') + "." + d[^decimals..];
            return (negative ? "-" : "") + text;
        });
        int answered = 0;
        decimals.Sample(text =>
        {
            if (Utf8Values.TryParseDecimal(Encoding.ASCII.GetBytes(text), out double fast))
            {
                Interlocked.Increment(ref answered);
                Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(fast));
            }
        }, iter: 20_000, print: t => t);
        Assert.True(answered > 5_000, $"{answered} answered");
        Assert.True(Utf8Values.TryParseDecimal("-0"u8, out double zero) && double.IsNegative(zero));
        Assert.False(Utf8Values.TryParseDecimal("1e3"u8, out _));
        Assert.False(Utf8Values.TryParseDecimal("9007199254740993"u8, out _)); // 2^53 + 1: not exact in a double
    }

    [Fact]
    public void a_number_scanned_from_coordinates_is_read_as_the_general_parser_reads_it()
    {
        // Plain decimals of every length (the eight-digit steps and the tail), with whatever follows them.
        var numbers = Gen.Select(Gen.Bool, Gen.Char["0123456789"].Array[0, 12], Gen.Char["0123456789"].Array[0, 24], Gen.OneOf(",", "]", " ", "\n", "e5", "x", ""), Gen.Char["0123456789,]"].Array[0, 12],
            (negative, whole, fraction, after, tail) => (
                Text: (negative ? "-" : "") + new string(whole) + (fraction.Length > 0 || whole.Length == 0 ? "." + new string(fraction) : ""),
                After: after.Length > 0 ? after + new string(tail) : "")); // digits right after would belong to the number
        int answered = 0;
        numbers.Sample(n =>
        {
            var bytes = Encoding.ASCII.GetBytes(n.Text + n.After);
            int at = 0;
            bool json = System.Text.RegularExpressions.Regex.IsMatch(n.Text, @"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$");
            bool delimited = n.After.Length > 0 && n.After[0] is ',' or ']' or ' ' or '\n';
            if (FeatureParser.ScanNumber(bytes, ref at, out double value))
            {
                Interlocked.Increment(ref answered);
                Assert.True(json && delimited);
                Assert.Equal(n.Text.Length, at);
                Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(n.Text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
            }
            else
            {
                Assert.Equal(0, at);
                string digits = n.Text.TrimStart('-').Replace(".", "", StringComparison.Ordinal);
                Assert.False(json && delimited && digits.Length <= 15 && n.Text.Split('.') is [_] or [_, { Length: <= 22 }], "a plain decimal the scan should read");
            }
        }, iter: 50_000, print: n => n.Text + n.After);
        Assert.True(answered > 5_000, $"{answered} answered");
    }

    [Fact]
    public void a_time_is_read_as_the_reference_reads_it_whenever_the_fast_path_answers()
    {
        var times = Gen.Select(Gen.Int[0, 10_000], Gen.Int[0, 13], Gen.Int[0, 32], Gen.Int[0, 25], Gen.Int[0, 61], Gen.Int[0, 61], Gen.OneOf("Z", "z", "+00:00", ""),
            (y, mo, d, h, mi, s, zone) => string.Create(CultureInfo.InvariantCulture, $"{y:D4}-{mo:D2}-{d:D2}T{h:D2}:{mi:D2}:{s:D2}{zone}"));
        times.Sample(text =>
        {
            bool reference = FeatureReader.TryParseTime(text, out var expected);
            if (Utf8Values.TryParseUtcSeconds(Encoding.ASCII.GetBytes(text), out var fast))
            {
                Assert.True(reference);
                Assert.Equal(expected, fast);
                Assert.Equal(expected.Offset, fast.Offset);
            }
            else
            {
                Assert.False(reference && text.EndsWith('Z') && text.Length == 20, "a plain UTC time the fast path should read");
            }
        }, iter: 20_000, print: t => t);
    }

    /// <summary>A limit on the features of one request: none, mostly; sometimes a few, so that it bites.</summary>
    private static readonly Gen<int> MaxFeatures = Gen.Frequency((3, Gen.Const(int.MaxValue)), (1, Gen.Int[0, 20]));

    /// <summary>
    /// Asserts both readers give the same outcome, the reference read as the server read a request: the document
    /// parsed, its features counted, then read. True when that outcome is a reading of at least one item.
    /// </summary>
    private static bool AssertReadAlike(byte[] body, bool zones, Agreement agreement, PartyId? caller, int chunkBytes, int maxFeatures = int.MaxValue)
    {
        string expected = Outcome(() =>
        {
            using var document = FeatureReader.ParseJson(body);
            var root = document.RootElement;
            if (root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("features", out var features) &&
                features.ValueKind == System.Text.Json.JsonValueKind.Array && features.GetArrayLength() > maxFeatures)
            {
                throw new InputRejectedException(new InputError(null, "features", $"more than {maxFeatures} features in one request: split it"));
            }

            return zones
                ? [.. FeatureReader.ReadZones(root, agreement, caller)]
                : [.. FeatureReader.ReadOperations(root, agreement, caller).Cast<Declaration>()];
        });
        string actual = Outcome(() => zones
            ? [.. StreamingFeatureReader.Read<Zone>(body, agreement, caller, true, null, chunkBytes, maxFeatures)]
            : [.. StreamingFeatureReader.Read<Operation>(body, agreement, caller, false, null, chunkBytes, maxFeatures).Cast<Declaration>()]);
        Assert.Equal(expected, actual);
        return expected.StartsWith("read\n", StringComparison.Ordinal) && expected.Length > "read\n".Length;
    }

    /// <summary>Every item, every field bit for bit; or every error, each with its feature, field and message.</summary>
    private static string Outcome(Func<List<Declaration>> read)
    {
        try
        {
            return "read\n" + string.Join("\n", read().Select(Describe));
        }
        catch (InputRejectedException e)
        {
            return "refused\n" + string.Join("\n", e.Errors.Select(x => $"{x.FeatureId ?? "(none)"} | {x.Field} | {x.Message}"));
        }
    }

    private static string Bits(double d) => $"{d.ToString("R", CultureInfo.InvariantCulture)}#{BitConverter.DoubleToInt64Bits(d):x}";

    private static string Describe(Declaration d)
    {
        var text = new StringBuilder();
        text.Append(d switch
        {
            Zone z => $"zone {z.Id.Value} {z.Kind}",
            Operation o => $"operation {o.Id.Value} {o.Kind} {o.State}",
            _ => "?",
        });
        var v = d.Volume;
        var shape = v.Footprint;
        text.Append(CultureInfo.InvariantCulture, $" owner {d.Owner.Value} name {d.Name ?? "(none)"} {d.Visibility} [{string.Join(",", d.SharedWith.Select(p => p.Value))}] version {d.Version}");
        text.Append(CultureInfo.InvariantCulture, $" alt {Bits(v.Altitude.MinMetres)}..{Bits(v.Altitude.MaxMetres)}");
        text.Append(CultureInfo.InvariantCulture, $" time {v.Time.Start.UtcTicks}/{v.Time.Start.Offset}..{v.Time.End?.UtcTicks}/{v.Time.End?.Offset}");
        text.Append(CultureInfo.InvariantCulture, $" {shape.Kind} buffer {Bits(shape.BufferMetres)} starts [{string.Join(",", shape.PolygonStarts)}]");
        foreach (var path in shape.Paths)
        {
            text.Append(" (").AppendJoin(" ", path.Select(Bits)).Append(')');
        }

        return text.ToString();
    }
}
