using System.Text;
using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Ledger.Entries;
using Parley.Tests.Reference;
using Parley.Tests.Support;

namespace Parley.Ledger.Entries.Tests;

/// <summary>
/// Ledger entries against their reference model, the first implementation: for the same salts, the same entry
/// bytes and openings for any change set (entries already hashed into stored ledgers must stay reproducible).
/// </summary>
public sealed class LedgerEntriesPropertyTests
{
    private static readonly string[] Parties = ["red", "blue", "green", "center", "Ünïcode \"party\"", "\uD83D\uDE00"];

    private sealed record Case(long Index, AgreementId Agreement, Commit Changes, Theater Theater, DateTimeOffset Time, int SaltSeed);

    [Trait("Lane", "Slow")]
    [Fact]
    public void every_change_set_gives_the_entries_and_openings_of_the_reference_for_the_same_salts()
    {
        int split = 0, inline = 0, nearTheBudget = 0, incidents = 0;
        Gen.Int.Select(seed => MakeCase(new Random(seed))).Sample(c =>
        {
            var expected = LedgerEntriesReference.Build(c.Index, c.Agreement, c.Changes, c.Theater, c.Time, Salts(c.SaltSeed));
            var actual = LedgerEntries.Build(c.Index, c.Agreement, c.Changes.Decision, c.Changes.Submission, c.Theater, c.Time, Salts(c.SaltSeed));
            AssertSame(expected, actual);

            // What the generator reached, so that a change of it cannot quietly stop covering the leaf splits.
            string entries = string.Concat(expected.Select(a => Encoding.UTF8.GetString(a.Entry)));
            Interlocked.Add(ref split, expected.Count > 1 ? 1 : 0);
            Interlocked.Add(ref inline, entries.Contains("\"opening\":", StringComparison.Ordinal) ? 1 : 0);
            Interlocked.Add(ref nearTheBudget, expected.SelectMany(a => a.Openings).Any(o => o.Length is > 50_000 and < 70_000) ? 1 : 0);
            string openings = string.Concat(expected.SelectMany(a => a.Openings).Select(o => Encoding.UTF8.GetString(o)));
            Interlocked.Add(ref incidents, openings.Contains("\"type\":\"incident-reply\"", StringComparison.Ordinal) && openings.Contains("\"type\":\"incident-fact\"", StringComparison.Ordinal) ? 1 : 0);
        }, iter: 600);

        Assert.True(split > 20, $"{split} change sets spanned several leaves");
        Assert.True(inline > 100, $"{inline} change sets had a public opening inline");
        Assert.True(nearTheBudget > 5, $"{nearTheBudget} change sets had an opening near the size at which it stops sitting inline");
        Assert.True(incidents > 20, $"{incidents} change sets reported an incident and replied to another");
    }

    [Fact]
    public void every_agreement_text_gives_the_entries_and_openings_of_the_reference_for_the_same_salts()
    {
        // Around the size at which the text stops sitting inline.
        Gen.Int.Select(seed =>
        {
            var r = new Random(seed);
            int length = r.Next(3) switch { 0 => r.Next(0, 200), 1 => r.Next(61_000, 61_500), _ => r.Next(60_000, 70_000) };
            var sb = new StringBuilder();
            while (sb.Length < length)
            {
                sb.Append(Text(r));
            }

            return (Source: sb.ToString(), Seed: seed);
        }).Sample(t =>
        {
            var time = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(t.Seed & 0xFFFFF);
            AssertSame(
                LedgerEntriesReference.ForAgreement(7, new AgreementId("demo"), t.Source, time, Salts(t.Seed)),
                LedgerEntries.ForAgreement(7, new AgreementId("demo"), t.Source, time, Salts(t.Seed)));
        }, iter: 300);
    }

    [Fact]
    public void an_opening_of_exactly_the_inline_budget_sits_inline_as_in_the_reference_and_one_byte_more_does_not()
    {
        var time = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        int overhead = LedgerEntries.ForAgreement(0, new AgreementId("demo"), "", time, Salts(0))[0].Openings[0].Length;
        var inline = new HashSet<bool>();
        for (int n = InlineOpeningBudget - overhead - 3; n <= InlineOpeningBudget - overhead + 3; n++)
        {
            var expected = LedgerEntriesReference.ForAgreement(0, new AgreementId("demo"), new string('a', n), time, Salts(n));
            AssertSame(expected, LedgerEntries.ForAgreement(0, new AgreementId("demo"), new string('a', n), time, Salts(n)));
            inline.Add(expected[0].Entry.Length > InlineOpeningBudget);
        }

        Assert.Equal(2, inline.Count);
    }

    [Fact]
    public void items_filling_exactly_the_budget_share_a_leaf_as_in_the_reference_and_one_byte_more_splits_them()
    {
        var (theater, time) = (new Theater(Agreement.Default("p")), new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var small = MakeZone(new Random(1), "small", 8) with { Visibility = Visibility.Public, Name = "small" };
        var large = MakeZone(new Random(2), "large", 8) with { Visibility = Visibility.Public, Name = "" };
        Commit Changes(int padding)
        {
            var changes = new CommitBuilder { Command = "zone.declare", Submitter = new PartyId("red") };
            changes.UpsertZones.AddRange([small, large with { Name = new string('a', padding) }]);
            return changes;
        }

        // Each item counts its bytes and a comma; a byte of the name is a byte of the large item's inline opening.
        var items = System.Text.Json.JsonDocument.Parse(LedgerEntries.Build(0, new AgreementId("p"), Changes(0).Decision, null, theater, time, Salts(0))[0].Entry)
            .RootElement.GetProperty("items").EnumerateArray().Select(i => Encoding.UTF8.GetByteCount(i.GetRawText()) + 1).Sum();
        var leaves = new HashSet<int>();
        for (int n = InlineOpeningBudget - items - 3; n <= InlineOpeningBudget - items + 3; n++)
        {
            var expected = LedgerEntriesReference.Build(0, new AgreementId("p"), Changes(n), theater, time, Salts(n));
            AssertSame(expected, LedgerEntries.Build(0, new AgreementId("p"), Changes(n).Decision, null, theater, time, Salts(n)));
            leaves.Add(expected.Count);
        }

        Assert.Equal([1, 2], leaves.Order());
    }

    private const int InlineOpeningBudget = LedgerEntries.MaxEntryBytes - 4_096;

    private static Func<byte[]> Salts(int seed)
    {
        var r = new Random(seed);
        return () =>
        {
            var salt = new byte[16];
            r.NextBytes(salt);
            return salt;
        };
    }

    private static void AssertSame(List<LedgerAppend> expected, List<LedgerAppend> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Index, actual[i].Index);
            Assert.Equal(Encoding.UTF8.GetString(expected[i].Entry), Encoding.UTF8.GetString(actual[i].Entry));
            Assert.Equal(expected[i].Entry, actual[i].Entry);
            Assert.Equal(expected[i].Openings.Count, actual[i].Openings.Count);
            for (int j = 0; j < expected[i].Openings.Count; j++)
            {
                Assert.Equal(expected[i].Openings[j], actual[i].Openings[j]);
            }
        }
    }

    /// <summary>
    /// A change set on a theater that holds some zones: withdrawals (of zones it holds or not), zones and operations
    /// of every visibility, concurrence requests and a signed submission, of sizes from a few coordinates to more
    /// than a leaf holds.
    /// </summary>
    private static Case MakeCase(Random r)
    {
        // Most change sets are small; some carry large public geometry that fills several leaves.
        int maxVertices = r.Next(4) switch { 0 => 8, 1 => 200, 2 => 1_700, _ => 4_000 };

        // Half the agreements list their parties, observers among them: the compliance facts are shared with those.
        var theater = new Theater(r.Next(2) == 0 ? Agreement.Default("p") : Agreement.Default("p") with
        {
            Parties = [.. Parties.Where(p => p != "center").Select((p, i) => new Party(new PartyId(p), p, (PartyRole)(i % 3)))],
        });
        var held = new List<Zone>();
        for (int i = r.Next(0, 4); i > 0; i--)
        {
            var zone = MakeZone(r, $"z{i}", maxVertices);
            theater.Upsert(zone);
            held.Add(zone);
        }

        var changes = new CommitBuilder
        {
            Command = r.Next(5) == 0 ? Text(r) : r.GetItems(["zone.declare", "zone.withdraw", "operation.submit", "concurrence.answer"], 1)[0],
            Submitter = new PartyId(Party(r)),
            Time = r.Next(2) == 0 ? null : Time(r),
            Submission = r.Next(2) == 0 ? null : new SignedSubmission(
                "ed25519:" + Convert.ToBase64String(Bytes(r, 32)), Text(r), Time(r), Bytes(r, 64), Bytes(r, r.Next(0, 4_000))),
        };
        for (int i = r.Next(0, 3); i > 0; i--)
        {
            changes.DeleteZones.Add(held.Count > 0 && r.Next(3) > 0 ? held[r.Next(held.Count)].Id : new ZoneId(Text(r)));
        }

        int declarations = maxVertices > 1_000 ? 8 : 5;
        for (int i = r.Next(0, declarations); i > 0; i--)
        {
            changes.UpsertZones.Add(MakeZone(r, Text(r), maxVertices));
        }

        for (int i = r.Next(0, declarations); i > 0; i--)
        {
            changes.UpsertOperations.Add(new Operation
            {
                Id = new OperationId(Text(r)), Owner = new PartyId(Party(r)), Kind = r.Next(3) == 0 ? Text(r) : "flight", Volume = MakeVolume(r, maxVertices),
                State = (OperationState)r.Next(9), Version = r.Next(1, 20), Name = r.Next(2) == 0 ? null : Text(r),
                Visibility = MakeVisibility(r), SharedWith = SharedWith(r),
                InBreach = r.Next(4) == 0 ? [.. Enumerable.Range(0, r.Next(1, 3)).Select(_ => Text(r))] : [],
            });
        }

        for (int i = r.Next(0, 3); i > 0; i--)
        {
            changes.UpsertAmendments.Add(MakeAmendment(r));
        }

        for (int i = r.Next(0, 3); i > 0; i--)
        {
            var opened = Time(r);
            changes.UpsertRequests.Add(new ConcurrenceRequest
            {
                Id = $"cr-{r.Next(1000)}", Operation = new OperationId(Text(r)), OperationVersion = r.Next(1, 9), Submitter = new PartyId(Party(r)),
                Affected = new PartyId(Party(r)), TargetType = r.GetItems(["zone", "operation", "term"], 1)[0], TargetId = Text(r), Opened = opened,
                Deadline = opened.AddMinutes(r.Next(1, 10_000)), State = (RequestState)r.Next(6),
                Closed = r.Next(2) == 0 ? null : opened.AddSeconds(r.NextDouble() * 1e5), Reason = r.Next(2) == 0 ? null : Text(r),
                CounterProposal = r.Next(3) == 0 ? new OperationId(Text(r)) : null, Version = r.Next(1, 5),
            });
        }

        // Incidents: new ones, and ones the theater holds that get replies, grades and silences.
        for (int i = r.Next(0, 3); i > 0; i--)
        {
            var incident = MakeIncident(r, maxVertices);
            if (r.Next(2) == 0)
            {
                changes.UpsertIncidents.Add(incident);
                continue;
            }

            theater.Incidents.Upsert(incident);
            changes.UpsertIncidents.Add(incident with
            {
                Replies = [.. incident.Replies, .. Enumerable.Range(0, r.Next(0, 3)).Select(_ => new IncidentReply(
                    new PartyId(Party(r)), (ReplyKind)r.Next(4), r.Next(2) == 0 ? null : Text(r), r.Next(3) == 0 ? new OperationId(Text(r)) : null, Time(r)))],
                Grades = [.. incident.Grades, .. Enumerable.Range(0, r.Next(0, 2)).Select(_ => new IncidentGrading(new PartyId(Party(r)), (IncidentGrade)r.Next(4), Text(r), Time(r)))],
                Silences = [.. incident.Silences, .. Enumerable.Range(0, r.Next(0, 2)).Select(_ => new IncidentSilence(new PartyId(Party(r)), Time(r)))],
                Version = incident.Version + 1,
            });
        }

        return new Case(r.NextInt64(0, long.MaxValue / 2), new AgreementId(r.Next(2) == 0 ? "demo" : Text(r)), changes, theater, Time(r), r.Next());
    }

    /// <summary>An amendment in any state, its changes as JSON of any size (a replaced term's area carries coordinates).</summary>
    private static Amendment MakeAmendment(Random r)
    {
        var proposed = Time(r);
        var signatories = Enumerable.Range(0, r.Next(1, 4)).Select(_ => new PartyId(Party(r))).Distinct().ToList();
        string area = string.Join(",", Enumerable.Range(0, r.Next(4, 300)).Select(_ => $"[{Coordinate(r, r.NextDouble() * 10).ToString("R", System.Globalization.CultureInfo.InvariantCulture)},1]"));
        return new Amendment
        {
            Id = $"am-{r.Next(1, 1000)}", Proposer = new PartyId(Party(r)), Reason = Text(r), BaseVersion = r.Next(1, 50),
            Changes = r.Next(2) == 0
                ? $$"""{"remove_terms":["{{System.Text.Json.JsonEncodedText.Encode(Text(r))}}"],"concurrence_deadline_minutes":{{r.Next(1, 600)}}}"""
                : $$$"""{"replace_terms":[{"id":"t","type":"suspension","parties":["red"],"kinds":["flight"],"area":{"type":"LineString","coordinates":[{{{area}}}]}}]}""",
            Proposed = proposed, SigningDeadline = proposed.AddHours(r.Next(1, 500)), Effective = r.Next(2) == 0 ? null : proposed.AddHours(r.Next(1, 900)),
            Signatories = signatories,
            Signatures = [.. signatories.Take(r.Next(0, signatories.Count + 1)).Select(p => new AmendmentSignature(p, proposed.AddMinutes(r.Next(1, 600))))],
            State = (AmendmentState)r.Next(4), Closed = r.Next(2) == 0 ? null : proposed.AddDays(1), RefusedBy = r.Next(3) == 0 ? new PartyId(Party(r)) : null,
            LapseReason = r.Next(2) == 0 ? null : Text(r), Revision = r.Next(1, 9),
        };
    }

    private static Incident MakeIncident(Random r, int maxVertices)
    {
        var volume = MakeVolume(r, Math.Min(maxVertices, 200));
        var reported = Time(r);
        var visibility = MakeVisibility(r);
        return new Incident
        {
            Report = new IncidentReport
            {
                Id = new IncidentId(Text(r)), Reporter = new PartyId(Party(r)), Kind = (IncidentKind)r.Next(6), Area = volume.Footprint,
                LocationPrecision = volume.Footprint.Kind == ShapeKind.Point && r.Next(2) == 0 ? (LocationPrecision)r.Next(1, 4) : LocationPrecision.Exact,
                Window = new TimeWindow(volume.Time.Start, volume.Time.End ?? volume.Time.Start.AddHours(1)), TimePrecision = (TimePrecision)r.Next(4),
                Suspected = SharedWith(r), AffectedZone = r.Next(2) == 0 ? null : new ZoneId(Text(r)), Description = r.Next(2) == 0 ? null : Text(r),
                Sources = [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => new IncidentSource("media", r.Next(1, 5), r.Next(2) == 0 ? null : Text(r),
                    [.. Enumerable.Range(0, r.Next(0, 2)).Select(_ => Convert.ToHexStringLower(Bytes(r, 32)))]))],
                Visibility = visibility, SharedWith = visibility == Visibility.Parties ? SharedWith(r) : [],
            },
            Reported = reported,
            ReplyDeadline = reported.AddHours(r.Next(1, 200)),
            Audience = SharedWith(r),
            Correlation = new IncidentCorrelation(
                [.. Enumerable.Range(0, r.Next(0, 4)).Select(i => new SiteAffected(new ZoneId(Text(r)), new PartyId(Party(r)), (ZoneKind)r.Next(3),
                    (Visibility)r.Next(3), SharedWith(r), r.Next(2) == 0, r.Next(4) == 0, new GeoBox(r.NextDouble(), r.NextDouble(), 1 + r.NextDouble(), 1 + r.NextDouble())))],
                [.. Enumerable.Range(0, r.Next(0, 3)).Select(i => new DeclarationMatched(new OperationId(Text(r)), new PartyId(Party(r)), "strike",
                    (OperationState)r.Next(9), (Visibility)r.Next(3), SharedWith(r), new GeoBox(r.NextDouble(), r.NextDouble(), 1 + r.NextDouble(), 1 + r.NextDouble())))],
                [.. Enumerable.Range(0, r.Next(0, 2)).Select(_ => new TermBreached(Text(r), Text(r)))]),
            Version = r.Next(1, 5),
        };
    }

    private static Zone MakeZone(Random r, string id, int maxVertices) => new()
    {
        Id = new ZoneId(id), Owner = new PartyId(Party(r)), Kind = (ZoneKind)r.Next(3), Volume = MakeVolume(r, maxVertices),
        Version = r.Next(1, 20), Name = r.Next(2) == 0 ? null : Text(r), Visibility = MakeVisibility(r), SharedWith = SharedWith(r),
    };

    // Public half the time: public openings sit inline and fill leaves.
    private static Visibility MakeVisibility(Random r) => r.Next(2) == 0 ? Visibility.Public : (Visibility)r.Next(3);

    private static Volume MakeVolume(Random r, int maxVertices)
    {
        double x = (r.NextDouble() * 340) - 170, y = (r.NextDouble() * 160) - 80;
        Shape shape = r.Next(4) switch
        {
            0 => Shape.Circle(Coordinate(r, x), Coordinate(r, y), Coordinate(r, r.NextDouble() * 20_000)),
            1 => r.Next(2) == 0
                ? Shape.Corridor(Path(r, x, y, r.Next(2, maxVertices + 2), closed: false), r.Next(1, 5_000))
                : Shape.Corridor([Path(r, x, y, r.Next(2, 50), closed: false), Path(r, x + 1, y, r.Next(2, maxVertices + 2), closed: false)], r.Next(1, 5_000)),
            _ => Shape.Polygons([.. Enumerable.Range(0, r.Next(1, 4)).Select(p =>
                (IReadOnlyList<double[]>)[.. Enumerable.Range(0, r.Next(1, 3)).Select(_ => Path(r, x + p, y, r.Next(3, maxVertices + 3), closed: true))])]),
        };
        double low = r.Next(3) == 0 ? double.NegativeInfinity : Coordinate(r, (r.NextDouble() * 2_000) - 500);
        double high = r.Next(3) == 0 ? double.PositiveInfinity : low + Coordinate(r, r.NextDouble() * 10_000);
        var start = Time(r);
        return new Volume(shape, new AltitudeBand(low, high),
            new TimeWindow(start, r.Next(3) == 0 ? null : start.AddSeconds(1 + (r.NextDouble() * 1e6))));
    }

    private static double[] Path(Random r, double x, double y, int vertices, bool closed)
    {
        var path = new double[vertices * 2];
        for (int i = 0; i < vertices; i++)
        {
            path[2 * i] = Coordinate(r, x + (r.NextDouble() * 0.5));
            path[(2 * i) + 1] = Coordinate(r, y + (r.NextDouble() * 0.5));
        }

        if (closed)
        {
            path[^2] = path[0];
            path[^1] = path[1];
        }

        return path;
    }

    /// <summary>A coordinate at full precision, rounded as clients often send it, or whole.</summary>
    private static double Coordinate(Random r, double value) => r.Next(4) switch
    {
        0 => Math.Round(value, r.Next(0, 8)),
        1 => Math.Round(value),
        _ => value,
    };

    private static DateTimeOffset Time(Random r)
    {
        var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(r.Next(0, 100_000_000));
        return r.Next(3) switch
        {
            0 => t,
            1 => t.AddTicks(r.Next(1, (int)TimeSpan.TicksPerSecond)).ToOffset(TimeSpan.FromHours(r.Next(-12, 13))),
            _ => t.AddMilliseconds(r.Next(1, 1000)),
        };
    }

    private static string Party(Random r) => Parties[r.Next(Parties.Length)];

    private static PartyId[] SharedWith(Random r) => [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => new PartyId(Party(r)))];

    private static byte[] Bytes(Random r, int length)
    {
        var bytes = new byte[length];
        r.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A short text with characters JSON escapes, non-ASCII and surrogate pairs.</summary>
    private static string Text(Random r)
    {
        var sb = new StringBuilder();
        for (int n = r.Next(1, 12); n > 0; n--)
        {
            sb.Append(r.Next(8) switch
            {
                0 => "\"",
                1 => "\\",
                2 => ((char)r.Next(0, 0x20)).ToString(),
                3 => "é€\u2028",
                4 => "\uD83D\uDE00",
                5 => "</script>&'",
                _ => ((char)r.Next('a', 'z' + 1)).ToString(),
            });
        }

        return sb.ToString();
    }
}
