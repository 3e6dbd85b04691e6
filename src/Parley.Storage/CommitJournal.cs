using System.Text.Json;
using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;

namespace Parley.Storage;

/// <summary>
/// The journal row both stores write with every commit: what it wrote, by id, so that a process that missed the
/// commit (another node made it) can catch up by reading those rows again, not the whole state.
/// </summary>
/// <remarks>
/// Ids only for declarations and subscriptions (their rows are read back as they are when the journal is read);
/// touches and nonces whole, as they are small and never change; events as the range of sequence numbers.
/// </remarks>
internal static class CommitJournal
{
    /// <summary>The journal text of a committed batch whose events took sequence numbers <paramref name="firstEvent"/> up to before <paramref name="nextEvent"/>.</summary>
    public static string Describe(IReadOnlyList<Commit> batch, long firstEvent, long nextEvent)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            // An agreement text or an amendment: other processes load the state anew under the agreement it leaves.
            w.WriteBoolean("agreement", batch.Any(c => c.Decision.ChangesAgreement));
            Ids(w, "zones", batch.SelectMany(c => c.Decision.State.Zones.Select(z => z.Id.Value).Concat(c.Decision.State.WithdrawnZones.Select(z => z.Value))));
            Ids(w, "operations", batch.SelectMany(c => c.Decision.State.Operations.Select(o => o.Id.Value)));
            Ids(w, "requests", batch.SelectMany(c => c.Decision.State.Requests.Select(r => r.Id)));
            Ids(w, "subscriptions", batch.SelectMany(c => c.Decision.State.Subscriptions.Select(s => s.Id.Value).Concat(c.Decision.State.DeletedSubscriptions.Select(s => s.Value))));
            Ids(w, "incidents", batch.SelectMany(c => c.Decision.State.Incidents.Select(i => i.Id.Value)));
            w.WriteStartArray("touches");
            foreach (var t in batch.SelectMany(c => c.Decision.Touches))
            {
                w.WriteStartArray();
                w.WriteStringValue(t.Request);
                w.WriteNumberValue(t.Time.UtcTicks);
                w.WriteStringValue(t.Requester.Value);
                w.WriteStringValue(t.Zone.Value);
                w.WriteStringValue(t.ZoneOwner.Value);
                w.WriteBooleanValue(t.Small);
                w.WriteStringValue(t.Probe);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteStartArray("nonces");
            foreach (var c in batch)
            {
                if (c.Submission is { } s)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(c.Decision.Submitter.Value);
                    w.WriteStringValue(s.Nonce);
                    w.WriteNumberValue(s.Timestamp.UtcTicks);
                    w.WriteEndArray();
                }
            }

            w.WriteEndArray();
            w.WriteStartArray("events");
            w.WriteNumberValue(firstEvent);
            w.WriteNumberValue(nextEvent);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Ids(Utf8JsonWriter w, string name, IEnumerable<string> ids)
    {
        w.WriteStartArray(name);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            w.WriteStringValue(id);
        }

        w.WriteEndArray();
    }

    /// <summary>What a run of journal rows names, merged.</summary>
    public sealed class Summary
    {
        public bool AgreementChanged { get; private set; }

        public HashSet<string> Zones { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Operations { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Requests { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Subscriptions { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Incidents { get; } = new(StringComparer.Ordinal);

        public List<ProbeTouch> Touches { get; } = [];

        public List<(PartyId Party, string Nonce, DateTimeOffset Signed)> Nonces { get; } = [];

        /// <summary>The events appended: sequence numbers after <see cref="EventsAfter"/> up to <see cref="EventsUpTo"/>.</summary>
        public long EventsAfter { get; private set; } = long.MaxValue;

        public long EventsUpTo { get; private set; } = long.MinValue;

        /// <summary>Adds one journal row's changes.</summary>
        /// <exception cref="InvalidDataException">The row is not a journal text this version wrote.</exception>
        public void Add(string changes)
        {
            try
            {
                using var document = JsonDocument.Parse(changes);
                var root = document.RootElement;
                AgreementChanged |= root.GetProperty("agreement").GetBoolean();
                Read(root, "zones", Zones);
                Read(root, "operations", Operations);
                Read(root, "requests", Requests);
                Read(root, "subscriptions", Subscriptions);
                if (root.TryGetProperty("incidents", out _))
                {
                    Read(root, "incidents", Incidents); // rows written before incidents existed name none
                }
                foreach (var t in root.GetProperty("touches").EnumerateArray())
                {
                    Touches.Add(new ProbeTouch(t[0].GetString()!, new DateTimeOffset(t[1].GetInt64(), TimeSpan.Zero), new PartyId(t[2].GetString()!),
                        new ZoneId(t[3].GetString()!), new PartyId(t[4].GetString()!), t[5].GetBoolean(), t[6].GetString()!));
                }

                foreach (var n in root.GetProperty("nonces").EnumerateArray())
                {
                    Nonces.Add((new PartyId(n[0].GetString()!), n[1].GetString()!, new DateTimeOffset(n[2].GetInt64(), TimeSpan.Zero)));
                }

                var events = root.GetProperty("events");
                long first = events[0].GetInt64(), next = events[1].GetInt64();
                if (next > first)
                {
                    EventsAfter = Math.Min(EventsAfter, first - 1);
                    EventsUpTo = Math.Max(EventsUpTo, next - 1);
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or ArgumentException)
            {
                throw new InvalidDataException($"A commit journal row does not read back ({e.GetType().Name}).", e);
            }
        }

        private static void Read(JsonElement root, string name, HashSet<string> into)
        {
            foreach (var id in root.GetProperty(name).EnumerateArray())
            {
                into.Add(id.GetString()!);
            }
        }
    }

    /// <summary>Journal rows older than this many commits before the head are pruned; a process further behind loads the whole state.</summary>
    public const long Retained = 10_000;

    /// <summary>Whether the commit numbered <paramref name="seq"/> should prune the journal (now and then, not every time).</summary>
    public static bool PrunesAt(long seq) => seq % 1024 == 0;

    /// <summary>
    /// The changes named by the journal rows after <paramref name="since"/>, read back through the store's loaders (with
    /// its write held, so nothing commits in between); null when the rows no longer reach back that far.
    /// </summary>
    public static async Task<CommittedChanges?> ResolveAsync(
        long since, long head, IReadOnlyList<(long Seq, string Changes)> rows,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Zone>>> zones,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Operation>>> operations,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Parley.Core.Model.ConcurrenceRequest>>> requests,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Parley.Core.Model.Subscription>>> subscriptions,
        Func<long, int, Task<IReadOnlyList<StoredEvent>>> events,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Incident>>> incidents)
    {
        if (since > head)
        {
            return null; // the state is ahead of the store (it was restored from an older copy): load it anew
        }

        if (since < head && (rows.Count == 0 || rows[0].Seq != since + 1))
        {
            return null;
        }

        var summary = new Summary();
        foreach (var (_, changes) in rows)
        {
            summary.Add(changes);
        }

        var loadedZones = summary.Zones.Count > 0 ? await zones(summary.Zones) : [];
        var loadedSubscriptions = summary.Subscriptions.Count > 0 ? await subscriptions(summary.Subscriptions) : [];
        var appended = new List<StoredEvent>();
        for (long after = summary.EventsAfter; after < summary.EventsUpTo;)
        {
            var page = await events(after, (int)Math.Min(4096, summary.EventsUpTo - after));
            if (page.Count == 0)
            {
                break;
            }

            appended.AddRange(page);
            after = page[^1].Sequence;
        }

        var presentZones = loadedZones.Select(z => z.Id.Value).ToHashSet(StringComparer.Ordinal);
        var presentSubscriptions = loadedSubscriptions.Select(x => x.Id.Value).ToHashSet(StringComparer.Ordinal);
        return new CommittedChanges(
            head,
            summary.AgreementChanged,
            new StateChange(
                zones: loadedZones,
                withdrawnZones: summary.Zones.Where(id => !presentZones.Contains(id)).Select(id => new ZoneId(id)),
                operations: summary.Operations.Count > 0 ? await operations(summary.Operations) : [],
                requests: summary.Requests.Count > 0 ? await requests(summary.Requests) : [],
                subscriptions: loadedSubscriptions,
                deletedSubscriptions: summary.Subscriptions.Where(id => !presentSubscriptions.Contains(id)).Select(id => new Parley.Core.Model.SubscriptionId(id)),
                incidents: summary.Incidents.Count > 0 ? await incidents(summary.Incidents) : []),
            summary.Touches,
            summary.Nonces,
            appended);
    }
}
