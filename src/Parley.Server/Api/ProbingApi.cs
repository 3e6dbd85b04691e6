using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Api;

/// <summary>
/// Probing made visible: a zone owner's report of who touched its hidden zones, and each party's event stream
/// (server-sent events) carrying, among others, the <c>probing.suspected</c> alert.
/// </summary>
internal static class ProbingApi
{
    // Events read from the store per round trip of a stream.
    private const int EventPage = 100;

    public static void Map(RouteGroupBuilder agreements)
    {
        agreements.MapGet("/probing", ReportAsync).WithTags("Probing").WithDomainErrors().RequireRole(Roles.Operator, Roles.Monitor)
            .WithSummary("For the caller's own zones: per requesting party, how often checks and submissions touched them while hidden from it, and when.")
            .Produces<ProbingReport>();

        // A stream lives as long as its subscriber: the request time limit does not apply to it.
        agreements.MapGet("/events", StreamAsync).WithTags("Probing").WithDomainErrors().RequireRole(Roles.All.ToArray())
            .WithSummary("The caller's events as a server-sent event stream (id, event, data: JSON); resumes after Last-Event-ID.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(400)
            .DisableRequestTimeout();
    }

    private static async Task<IResult> ReportAsync(string agreement, HttpContext http, [FromServices] IProbingStore touches,
        [FromServices] TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var id = new AgreementId(agreement);
        var now = time.GetUtcNow();
        var summaries = await touches.SummarizeTouchesAsync(id, caller.Party, now, ct);
        return ApiSupport.Json(new ProbingReport(caller.Party.Value, FeatureWriter.Time(now),
        [
            .. summaries.Select(s => new ProbingRequester(s.Requester.Value, s.LastHour, s.LastDay, s.Total,
                FeatureWriter.Time(s.First), FeatureWriter.Time(s.Last), [.. s.Zones.Select(z => new ProbingZoneCount(z.Zone.Value, z.Count))])),
        ]));
    }

    private static async Task<IResult> StreamAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] IEventStore outbox, [FromServices] TimeProvider time, [FromServices] ParleyServerOptions options, [FromServices] IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var id = new AgreementId(agreement);
        long after = 0;
        string lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0 && !long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            throw new InputRejectedException(new InputError(null, "Last-Event-ID", "must be the id of an event: a whole number"));
        }

        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.Body.FlushAsync(ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        var streams = Telemetry.ParleyTelemetry.Agreement(agreement);
        Telemetry.ParleyTelemetry.EventStreams.Add(1, streams);
        using var closed = new Telemetry.Closing(() => Telemetry.ParleyTelemetry.EventStreams.Add(-1, streams));
        try
        {
            while (true)
            {
                // Take the wake-up before reading, so that an event committed in between is not missed.
                var wake = registry.Signals.Events.Next;
                var events = await outbox.ReadEventsAsync(id, caller.Party, after, EventPage, stop.Token);
                if (events.Count > 0)
                {
                    var text = new StringBuilder();
                    foreach (var e in events)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"id: {e.Sequence}\nevent: {e.Type}\n");
                        foreach (var line in e.Payload.Split('\n'))
                        {
                            text.Append("data: ").Append(line).Append('\n');
                        }

                        text.Append('\n');
                        after = e.Sequence;
                    }

                    await http.Response.WriteAsync(text.ToString(), stop.Token);
                    await http.Response.Body.FlushAsync(stop.Token);
                    if (events.Count == EventPage)
                    {
                        continue;
                    }
                }

                var heartbeat = Task.Delay(options.EventHeartbeatInterval, time, stop.Token);
                if (await Task.WhenAny(wake, heartbeat) == heartbeat)
                {
                    await heartbeat; // throws when the stream is being closed
                    await http.Response.WriteAsync(": heartbeat\n\n", stop.Token);
                    await http.Response.Body.FlushAsync(stop.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping: the stream simply ends.
        }

        return Results.Empty;
    }
}
