using System.Security.Claims;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Server.Api;
using Parley.Server.Theaters;
using Parley.Server.Http;

namespace Parley.Server.Security;

/// <summary>The authenticated party making a request, within one agreement.</summary>
public sealed record Caller(PartyId Party, string Role, Agreement Agreement);

/// <summary>Turns a verified token into a <see cref="Caller"/> and enforces the agreement and role.</summary>
/// <remarks>
/// The token was verified by <see cref="PartyTokenHandler"/> against the keys of the party it names; this filter
/// checks that it is for the route's agreement and carries a role the call needs and the party holds (403 if not).
/// </remarks>
internal static class CallerFilter
{
    private const string ItemKey = "parley.caller";

    /// <summary>The caller of the current request (set by the filter).</summary>
    public static Caller GetCaller(this HttpContext context) => (Caller)context.Items[ItemKey]!;

    /// <summary>The token roles a party may hold: members act and answer, observers watch, administrators administer.</summary>
    public static bool Allows(Parley.Core.Agreements.PartyRole role, string scope) => role switch
    {
        Parley.Core.Agreements.PartyRole.Member => scope is Roles.Operator or Roles.Approver or Roles.Monitor,
        Parley.Core.Agreements.PartyRole.Observer => scope is Roles.Monitor,
        _ => scope is Roles.Admin or Roles.Monitor,
    };

    /// <summary>Requires a token for the route's agreement with one of <paramref name="roles"/>.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization();
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var user = http.User;
            string? party = user.FindFirstValue("sub");
            string? tokenAgreement = user.FindFirstValue("agreement");
            // "scope" is one space-separated string (RFC 8693) or, from some providers, an array of them.
            var scopes = user.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
            string? routeAgreement = http.GetRouteValue("agreement") as string;
            if (party is null || tokenAgreement is null || routeAgreement is null)
            {
                return Problems.Forbidden("the token does not name a party and an agreement");
            }

            if (tokenAgreement != routeAgreement)
            {
                return Problems.Forbidden("the token is for another agreement");
            }

            var registry = http.RequestServices.GetRequiredService<TheaterRegistry>();
            var agreement = registry.Find(new AgreementId(routeAgreement));
            if (agreement is null)
            {
                return Problems.NotFound($"unknown agreement '{routeAgreement}'");
            }

            if (!agreement.HasParty(new PartyId(party)))
            {
                return Problems.Forbidden("the token's party is not a party of this agreement");
            }

            if (agreement.Parties.FirstOrDefault(p => p.Id.Value == party) is { } member && !scopes.All(s => Allows(member.Role, s)))
            {
                return Problems.Forbidden("the token claims a role this party does not hold in the agreement");
            }

            string? role = roles.FirstOrDefault(scopes.Contains);
            if (role is null)
            {
                return Problems.Forbidden($"this call needs the role {string.Join(" or ", roles)}");
            }

            http.Items[ItemKey] = new Caller(new PartyId(party), role, agreement);
            return await next(context);
        });
        return builder;
    }
}
