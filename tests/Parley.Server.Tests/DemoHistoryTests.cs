using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>
/// The demo carries the week before the day it is loaded, each step decided and stamped by the center at its own instant,
/// in order, deadlines kept at their deadlines; the compliance figures therefore show that week day by day.
/// </summary>
public sealed class DemoHistoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Any morning will do: the week is the one before the day the server loads the demo.
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Today = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task the_demo_s_week_is_in_the_ledger_at_its_own_instants_and_in_the_figures_of_every_day()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-demo-week-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await RunningServer.StartAsync(data, time: new FakeTimeProvider(Now));
            using var monitor = server.Client("unmo", Roles.Monitor);

            // Every entry in order of time, from the agreement seven days back at 08:00 to the day's operations now.
            var times = new List<DateTimeOffset>();
            for (int i = 0; ; i++)
            {
                using var response = await monitor.GetAsync($"/v1/agreements/demo/ledger/entries/{i}", Ct);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    break;
                }

                var entry = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
                times.Add(DateTimeOffset.Parse(entry.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.True(times.Count > 30, $"{times.Count} entries");
            Assert.Equal(Today.AddDays(-7).AddHours(8), times[0]);
            Assert.Equal(times.Order(), times);
            Assert.Equal(Now, times[^1]);
            Assert.Equal(8, times.Select(t => t.UtcDateTime.Date).Distinct().Count());

            // The steps at their instants: the hospital reported five days back at 10:00, red's silence on the ambulance
            // recorded at its deadline (72 hours after the report), the unanswered transit expired at its own (30 minutes).
            var hospital = await monitor.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-hospital", Ct);
            Assert.Equal(Today.AddDays(-5).AddHours(10), Time(hospital.GetProperty("reported")));
            var ambulance = await monitor.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-ambulance", Ct);
            var silence = Assert.Single(ambulance.GetProperty("silences").EnumerateArray());
            Assert.Equal(Time(ambulance.GetProperty("reported")).AddHours(72), Time(silence.GetProperty("recorded")));

            using var red = server.Client("red");
            var transit = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/red-transit-3", Ct);
            Assert.Equal("expired", transit.GetProperty("state").GetString());
            var request = Assert.Single(transit.GetProperty("requests").EnumerateArray());
            Assert.Equal(("expired", Time(request.GetProperty("deadline"))), (request.GetProperty("state").GetString(), Time(request.GetProperty("closed"))));
            Assert.Equal(Today.AddDays(-4).AddHours(16).AddMinutes(30), Time(request.GetProperty("deadline")));

            // The figures: something happened on every day of the week before today.
            var figures = await monitor.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/compliance?period=day", Ct);
            var busy = figures.GetProperty("parties").EnumerateArray()
                .SelectMany(p => p.GetProperty("periods").EnumerateArray())
                .Where(p => p.EnumerateObject().Any(section => section.Value.ValueKind == JsonValueKind.Object &&
                    section.Value.EnumerateObject().Any(f => f.Value.TryGetProperty("count", out var c) && c.GetInt64() > 0)))
                .Select(p => p.GetProperty("start").GetString())
                .Distinct()
                .Count();
            Assert.Equal(7, busy);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static DateTimeOffset Time(JsonElement text) =>
        DateTimeOffset.Parse(text.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
