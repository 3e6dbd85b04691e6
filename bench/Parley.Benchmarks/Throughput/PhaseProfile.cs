using Parley.Core.Workflow;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger.Entries;
using Parley.Server.Security;
using Parley.Storage.Sqlite;

namespace Parley.Benchmarks.Throughput;

/// <summary>One step of a submission timed alone, one call at a time.</summary>
internal sealed record PhaseTiming(string Step, string Where, LatencySummary Latency, int Calls)
{
    public double CeilingPerCore => 1e6 / Latency.Mean;
}

/// <summary>
/// The steps of one submission timed one by one on one thread (spread operations, so every decision is a small
/// one): what runs in parallel on every core (token, signature, JSON) and what runs under the agreement's lock
/// (nonce check, decision, ledger entry, store commit with its flush). A raw 4 KiB write + fsync on the same file
/// system gives the flush floor.
/// </summary>
internal static class PhaseProfile
{
    public static async Task<IReadOnlyList<PhaseTiming>> RunAsync(int count, int seed)
    {
        string folder = Path.Combine(Path.GetTempPath(), "parley-decisions-phases-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var submissions = DecisionWorkload.Operations(Scenario.Spread, count, seed, "ph");
            var operations = DecisionWorkload.Parse(submissions);
            var agreement = DecisionWorkload.Agreement;
            var id = agreement.Id;
            var bodies = submissions.Select(s => Encoding.UTF8.GetBytes(s.Feature)).ToArray();
            var keys = DecisionWorkload.Parties.Select(p => DevelopmentKeys.For(folder, DecisionWorkload.AgreementId, p)).ToArray();
            var now = DateTimeOffset.UtcNow;
            string timestamp = SignedRequests.Timestamp(now);
            var nonces = bodies.Select(_ => SignedRequests.NewNonce()).ToArray();
            var messages = bodies.Select((b, i) => SignedRequests.Message(DecisionWorkload.AgreementId, "POST", DecisionWorkload.OperationsPath, timestamp, nonces[i], b)).ToArray();
            var signatures = messages.Select((m, i) => keys[submissions[i].Party].Sign(m)).ToArray();
            var submitted = messages.Select((m, i) => new SignedSubmission(keys[submissions[i].Party].PublicKey, nonces[i], now, signatures[i], m)).ToArray();
            var results = new List<PhaseTiming>();

            PhaseTiming Time(string step, string where, Action<int> run, Action<int>? warm = null)
            {
                for (int i = 0; i < Math.Min(200, count); i++)
                {
                    (warm ?? run)(i);
                }

                var sample = new LatencySample(count);
                for (int i = 0; i < count; i++)
                {
                    long t = Stopwatch.GetTimestamp();
                    run(i);
                    sample.Add(Stopwatch.GetTimestamp() - t);
                }

                Console.Error.WriteLine($"  phases: {step} done");
                return new PhaseTiming(step, where, sample.Summarise(), count);
            }

            // Bearer token: an ES256 JWT checked against the data folder's key (what the server does for a party without its own identity provider).
            var tokenKey = TokenKeys.Load(folder);
            string token = TokenKeys.Issue(folder, DecisionWorkload.AgreementId, "blue", Roles.Operator, TimeSpan.FromHours(1));
            var handler = new JsonWebTokenHandler { MapInboundClaims = false };
            var parameters = new TokenValidationParameters
            {
                ValidIssuer = TokenKeys.Issuer, ValidAudience = TokenKeys.Audience, IssuerSigningKey = tokenKey,
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256], ClockSkew = TimeSpan.FromSeconds(30),
            };
            results.Add(Time("bearer token (ES256 JWT validation)", "parallel", _ =>
            {
                if (!handler.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult().IsValid)
                {
                    throw new InvalidOperationException("token refused");
                }
            }));

            results.Add(Time("signed request (RFC 8785 message + Ed25519 verify)", "parallel", i =>
            {
                byte[] message = SignedRequests.Message(DecisionWorkload.AgreementId, "POST", DecisionWorkload.OperationsPath, timestamp, nonces[i], bodies[i]);
                if (!SignedRequests.Verify(keys[submissions[i].Party].PublicKey, message, signatures[i]))
                {
                    throw new InvalidOperationException("signature refused");
                }
            }));

            results.Add(Time("GeoJSON read (parse + FeatureReader)", "parallel", i =>
            {
                using var document = FeatureReader.ParseJson(bodies[i]);
                _ = FeatureReader.ReadOperations(document.RootElement, agreement, new PartyId(DecisionWorkload.Parties[submissions[i].Party]));
            }));

            results.Add(Time("answer feature (FeatureWriter.ToJson)", "lock", i => FeatureWriter.ToJson(operations[i])));

            // Under the lock: decide on a theater that grows as the load's does, then the ledger entry for it.
            var theater = new Theater(agreement);
            var scratch = new Theater(agreement);
            var decisions = new Decision[count];
            var entries = new List<LedgerAppend>[count];
            results.Add(Time("decide (Lifecycle.Submit, spread) + apply", "lock", i =>
            {
                decisions[i] = Lifecycle.Submit(theater, operations[i], now).Decision;
                theater.Apply(decisions[i].State);
            }, i => scratch.Apply(Lifecycle.Submit(scratch, operations[i], now).Decision.State)));
            results.Add(Time("ledger entry (RFC 8785, SHA-256 commitments)", "lock", i =>
                entries[i] = LedgerEntries.Build(i, id, decisions[i], submitted[i], theater, now)));

            // The hot spot's decisions grow with the live operations, and so does the answer the route renders under
            // the lock (one conflict view per conflict).
            var disclosure = new Disclosure(new byte[32]);
            var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
            foreach (int live in new[] { 1_000, 4_000 })
            {
                int probes = Math.Min(200, count);
                var hot = DecisionWorkload.Parse(DecisionWorkload.Operations(Scenario.HotSpot, live + probes, seed, "hp"));
                var hotTheater = new Theater(agreement);
                foreach (var operation in hot.Take(live))
                {
                    hotTheater.Apply(Lifecycle.Submit(hotTheater, operation, now).Decision.State);
                }

                var decided = new OperationVerdict[probes];
                results.Add(TimeFew($"decide, hot spot with {live:N0} live operations", "lock", probes, i => decided[i] = Lifecycle.Submit(hotTheater, hot[live + i], now).Verdict));
                results.Add(TimeFew($"answer, hot spot: {live / 2:N0} conflict views + JSON", "lock", probes, i =>
                {
                    var views = decided[i].Conflicts.Select(c => disclosure.View(c, decided[i].Operation.Owner, agreement)).ToList();
                    _ = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(views, options);
                }));
            }

            PhaseTiming TimeFew(string step, string where, int calls, Action<int> run)
            {
                run(0);
                var sample = new LatencySample(calls);
                for (int i = 0; i < calls; i++)
                {
                    long t = Stopwatch.GetTimestamp();
                    run(i);
                    sample.Add(Stopwatch.GetTimestamp() - t);
                }

                Console.Error.WriteLine($"  phases: {step} done");
                return new PhaseTiming(step, where, sample.Summarise(), calls);
            }

            await using (var store = new SqliteStore(Path.Combine(folder, "parley.db")))
            {
                await store.InitializeAsync();
                int committed = 0;
                results.Add(Time("store commit (insert, nonce, ledger; WAL fsync)", "lock", i =>
                {
                    // Re-index so that every commit appends the next ledger entry.
                    var set = new Parley.Tests.Support.CommitBuilder { Command = "operation.submit", Submitter = operations[i].Owner };
                    set.UpsertOperations.AddRange(decisions[i].State.Operations);
                    set.Submission = submitted[i] with { Nonce = SignedRequests.NewNonce() };
                    set.Ledger.Add(entries[i][0] with { Index = committed++ });
                    Parley.Tests.Support.StoreCommits.CommitAsync(store, id, set).GetAwaiter().GetResult();
                }));
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            using (var file = new FileStream(Path.Combine(folder, "flush.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                var block = new byte[4096];
                results.Add(Time("flush floor (4 KiB append + fsync)", "lock", _ =>
                {
                    file.Write(block);
                    file.Flush(flushToDisk: true);
                }));
            }

            foreach (var key in keys)
            {
                key.Dispose();
            }

            return results;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // left for the OS to clean
            }
        }
    }

    public static JsonArray ToJson(IReadOnlyList<PhaseTiming> phases) =>
    [
        .. phases.Select(p => (JsonNode)new JsonObject
        {
            ["step"] = p.Step, ["where"] = p.Where, ["calls"] = p.Calls,
            ["p50_us"] = LoadResult.Round(p.Latency.P50), ["p99_us"] = LoadResult.Round(p.Latency.P99), ["mean_us"] = LoadResult.Round(p.Latency.Mean),
            ["ceiling_per_s_one_core"] = LoadResult.Round(p.CeilingPerCore),
        }),
    ];
}
