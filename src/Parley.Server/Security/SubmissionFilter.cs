using System.Collections.Concurrent;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Ports;
using Parley.Server.Api;
using Parley.Server.Configuration;
using Parley.Server.Http;

namespace Parley.Server.Security;

/// <summary>The submission keys each party may sign with: those its agreement lists, else its development key.</summary>
public sealed class SubmissionKeys(ParleyServerOptions options)
{
    private readonly ConcurrentDictionary<(string Agreement, string Party), string> _development = new();

    /// <summary>The keys that may sign for <paramref name="party"/>.</summary>
    public IReadOnlyList<string> For(Agreement agreement, Party? party, string partyId)
    {
        if (party is { SigningKeys.Count: > 0 })
        {
            return party.SigningKeys;
        }

        return [_development.GetOrAdd((agreement.Id.Value, partyId), k =>
        {
            using var key = DevelopmentKeys.For(options.DataDirectory, k.Agreement, k.Party);
            return key.PublicKey;
        })];
    }
}

/// <summary>Requires a valid signed submission on a write route; keeps it for the record the write creates.</summary>
internal static class SubmissionFilter
{
    private const string ItemKey = "parley.submission";
    private const string BodyKey = "parley.body";

    /// <summary>The verified submission of the current request, if the route requires one.</summary>
    public static SignedSubmission? GetSubmission(this HttpContext context) => context.Items[ItemKey] as SignedSubmission;

    /// <summary>The request body as read and verified by the filter, if it ran.</summary>
    public static byte[]? GetVerifiedBody(this HttpContext context) => context.Items[BodyKey] as byte[];

    /// <summary>Requires the request to carry a signature by one of the caller's submission keys (after <c>RequireRole</c>).</summary>
    public static RouteHandlerBuilder RequireSignature(this RouteHandlerBuilder builder)
    {
        builder.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new SignedWriteMetadata());
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var caller = http.GetCaller();
            var headers = http.Request.Headers;
            var verifying = Telemetry.ParleyTelemetry.Source.StartActivity("verify signature");
            try
            {
                if (await VerifyAsync(http, caller, headers) is { } refused)
                {
                    verifying?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
                    return refused;
                }
            }
            finally
            {
                Telemetry.ParleyTelemetry.Stop(verifying);
            }

            return await next(context);
        });
        return builder;
    }

    /// <summary>Null when the request is signed as it must be (the signed submission kept for the write); else the refusal.</summary>
    private static async Task<IResult?> VerifyAsync(HttpContext http, Caller caller, IHeaderDictionary headers)
    {
        {
            string signature = headers[SignedRequests.SignatureHeader].ToString();
            string timestamp = headers[SignedRequests.TimestampHeader].ToString();
            string nonce = headers[SignedRequests.NonceHeader].ToString();
            string key = headers[SignedRequests.KeyHeader].ToString();
            if (signature.Length == 0 || timestamp.Length == 0 || nonce.Length == 0)
            {
                return Problems.Unsigned(SignatureField(signature, timestamp), "every write must be signed: headers Parley-Signature, Parley-Timestamp and Parley-Nonce");
            }

            if (!SignedRequests.TryParseTimestamp(timestamp, out var signedAt))
            {
                return Problems.Unsigned(SignedRequests.TimestampHeader, "not an RFC 3339 UTC time");
            }

            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            var window = caller.Agreement.SignatureWindow;
            if (signedAt < now - window || signedAt > now + window)
            {
                return Problems.Unsigned(SignedRequests.TimestampHeader, $"the signing time is more than {window.TotalSeconds:F0} s from the center's clock");
            }

            if (!SignedRequests.IsNonce(nonce))
            {
                return Problems.Unsigned(SignedRequests.NonceHeader, "16 to 128 characters of base64url");
            }

            byte[] sig;
            try
            {
                sig = Convert.FromBase64String(signature);
            }
            catch (FormatException)
            {
                return Problems.Unsigned(SignedRequests.SignatureHeader, "not base64");
            }

            byte[] body = await ReadBodyAsync(http);
            var party = caller.Agreement.Parties.FirstOrDefault(p => p.Id == caller.Party);
            var keys = http.RequestServices.GetRequiredService<SubmissionKeys>().For(caller.Agreement, party, caller.Party.Value);
            if (key.Length > 0 && !keys.Contains(key))
            {
                return Problems.Unsigned(SignedRequests.KeyHeader, "not a submission key of the token's party");
            }

            // Canonicalising a large body is work like validating it: one at a time per party, within the request's time limit.
            string path = (http.Request.PathBase + http.Request.Path).Value ?? "/";
            byte[] message = await http.RequestServices.GetRequiredService<ValidationBudgets>().ReadAsync(caller, body.Length,
                _ => SignedRequests.Message(caller.Agreement.Id.Value, http.Request.Method, path, timestamp, nonce, body), http.RequestAborted);
            IEnumerable<string> candidates = key.Length > 0 ? [key] : keys;
            string? verified = candidates.FirstOrDefault(k => SignedRequests.Verify(k, message, sig));
            if (verified is null)
            {
                return Problems.Unsigned(SignedRequests.SignatureHeader, "the signature does not verify under the party's submission keys");
            }

            http.Items[BodyKey] = body;
            http.Items[ItemKey] = new SignedSubmission(verified, nonce, signedAt, sig, message);
            return null;
        }
    }

    private static string SignatureField(string signature, string timestamp) =>
        signature.Length == 0 ? SignedRequests.SignatureHeader : timestamp.Length == 0 ? SignedRequests.TimestampHeader : SignedRequests.NonceHeader;

    private static async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        using var buffer = await RequestBodies.ReadAllAsync(http.Request, http.RequestAborted);
        return buffer.ToArray();
    }
}
