using System.Text;
using Microsoft.AspNetCore.Mvc;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Server.Notifications;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;
using Parley.Server.Configuration;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>
/// Subscriptions: each party's standing interest in an area, a time window and kinds, with an optional webhook; seen
/// and deleted only by the party that made it. And the key that verifies the center's webhook signatures.
/// </summary>
internal static class SubscriptionsApi
{
    private static readonly string[] Subscribers = [Roles.Operator, Roles.Approver, Roles.Monitor];

    public static void Map(RouteGroupBuilder agreements)
    {
        var subscriptions = agreements.MapGroup("/subscriptions").WithTags("Notifications").WithDomainErrors();

        subscriptions.MapPost("/", CreateAsync).RequireRole(Subscribers).RequireSignature()
            .WithSummary("Subscribe to changes of other parties' zones and operations that the caller may see, in an area, a time window and kinds; optionally with a webhook.")
            .Accepts<SubscriptionRequest>("application/json")
            .Produces<SubscriptionView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409);

        subscriptions.MapGet("/", ListAsync).RequireRole(Subscribers)
            .WithSummary("The caller's subscriptions, oldest first.")
            .Produces<SubscriptionList>();

        subscriptions.MapGet("/{id}", GetAsync).RequireRole(Subscribers)
            .WithSummary("One of the caller's subscriptions.")
            .Produces<SubscriptionView>().ProducesProblem(404);

        subscriptions.MapDelete("/{id}", DeleteAsync).RequireRole(Subscribers).RequireSignature()
            .WithSummary("Delete one of the caller's subscriptions (its webhook stops).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);

        agreements.MapGet("/webhooks/key", KeyAsync).WithTags("Notifications").WithDomainErrors().RequireRole(Roles.All.ToArray())
            .WithSummary("The center's verifier key for this agreement's webhook signatures (C2SP vkey; Ed25519 over the exact body bytes).")
            .Produces<string>(contentType: "text/plain");
    }

    private static async Task<IResult> CreateAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] ParleyServerOptions options, [FromServices] TimeProvider time, [FromServices] WebhookAddresses addresses, CancellationToken ct)
    {
        var caller = http.GetCaller();
        using var body = await ApiSupport.ReadJsonAsync(http.Request, ct);
        var now = time.GetUtcNow();
        var subscription = SubscriptionReader.Read(body.RootElement, caller.Agreement, new SubscriptionId("sub-" + Guid.CreateVersion7(now).ToString("N")), caller.Party, now);
        if (subscription.Webhook is { } webhook &&
            await addresses.RefusalAsync(webhook, WebhookAddresses.Networks(caller.Agreement.FindParty(caller.Party)?.WebhookNetworks ?? []), ct) is { } refusal)
        {
            // Checked again at every connection: this only tells the party early.
            throw new Parley.Core.InputRejectedException(new Parley.Core.InputError(null, "webhook", refusal));
        }

        string location = $"{http.Request.PathBase}/v1/agreements/{agreement}/subscriptions/{subscription.Id.Value}";
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, decided) =>
        {
            if (theater.Subscriptions.Of(caller.Party).Count >= options.MaxSubscriptionsPerParty)
            {
                return WriteOutcome.Refused(Problems.Problem(StatusCodes.Status409Conflict, "subscription-limit", "Too many subscriptions",
                    $"a party holds at most {options.MaxSubscriptionsPerParty} subscriptions: delete one first"));
            }

            return new WriteOutcome(Subscribing.Subscribe(theater, subscription, decided), ApiSupport.Answer(View(subscription), StatusCodes.Status201Created, location: location));
        }, ct);
    }

    private static async Task<IResult> ListAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var own = await registry.ReadAsync(new AgreementId(agreement), theater => theater.Subscriptions.Of(caller.Party), ct);
        return ApiSupport.Json(new SubscriptionList([.. own.Select(View)]));
    }

    private static async Task<IResult> GetAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var found = await registry.ReadAsync(new AgreementId(agreement), theater => theater.Subscriptions.Find(new SubscriptionId(id)), ct);

        // Another party's subscription is answered as one that does not exist: its existence is its party's business.
        return found is null || found.Party != caller.Party ? NotYours(id) : ApiSupport.Json(View(found));
    }

    private static async Task<IResult> DeleteAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            var found = theater.Subscriptions.Find(new SubscriptionId(id));
            return found is null || found.Party != caller.Party
                ? WriteOutcome.Refused(NotYours(id))
                : new WriteOutcome(Subscribing.Unsubscribe(theater, found, now), Answer.Empty());
        }, ct);
    }

    private static IResult KeyAsync(string agreement, [FromServices] WebhookSigner signer) =>
        Results.Text(signer.Verifier(new AgreementId(agreement)) + "\n", "text/plain; charset=utf-8", Encoding.UTF8);

    private static IResult NotYours(string id) => Problems.NotFound($"no subscription '{Problems.Clip(id)}' of yours");

    private static SubscriptionView View(Subscription s) => new(
        s.Id.Value,
        ApiSupport.ToElement(FeatureWriter.GeometryJson(s.Area)),
        FeatureWriter.Time(s.Window.Start),
        s.Window.End is { } end ? FeatureWriter.Time(end) : null,
        s.Kinds,
        s.Webhook?.OriginalString,
        FeatureWriter.Time(s.Created));
}
