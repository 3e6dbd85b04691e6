using System.Text;
using Microsoft.AspNetCore.Mvc;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>The agreement's verifiable log: signed checkpoints, entries, proofs and witnesses' cosignatures.</summary>
internal static class LedgerApi
{
    private const string TextPlain = "text/plain; charset=utf-8";

    public static void Map(RouteGroupBuilder agreements)
    {
        var ledger = agreements.MapGroup("/ledger").WithTags("Ledger").WithDomainErrors();
        var anyRole = Roles.All.ToArray();

        ledger.MapGet("/checkpoint", CheckpointAsync).RequireRole(anyRole)
            .WithSummary("The latest signed checkpoint (C2SP tlog-checkpoint, signed note) with its cosignatures.")
            .Produces<string>(contentType: "text/plain").ProducesProblem(404);

        ledger.MapGet("/key", KeyAsync).RequireRole(anyRole)
            .WithSummary("The center's verifier key for this agreement's checkpoints (C2SP vkey).")
            .Produces<string>(contentType: "text/plain");

        ledger.MapGet("/entries/{index:long}", EntryAsync).RequireRole(anyRole)
            .WithSummary("The exact bytes hashed for leaf {index} (RFC 8785 canonical JSON).")
            .Produces<byte[]>(contentType: "application/json").ProducesProblem(404);

        ledger.MapGet("/openings/{index:long}", OpeningsAsync).RequireRole(anyRole)
            .WithSummary("The openings of entry {index}'s items that the caller may see (its own, shared with it, public; every one for the administrator).")
            .Produces<OpeningsResponse>().ProducesProblem(404);

        ledger.MapGet("/openings", OpeningsPageAsync).RequireRole(anyRole)
            .WithSummary("The openings the caller may see of `count` (at most 1,000) entries from `from` on, entry by entry: for an export.")
            .Produces<OpeningsPage>().ProducesProblem(400);

        ledger.MapGet("/proof/inclusion", InclusionAsync).RequireRole(anyRole)
            .WithSummary("RFC 9162 inclusion proof of leaf `index` in the tree of `size`.")
            .Produces<InclusionProofResponse>().ProducesProblem(400);

        ledger.MapGet("/proof/consistency", ConsistencyAsync).RequireRole(anyRole)
            .WithSummary("RFC 9162 consistency proof between the trees of sizes `from` and `to`.")
            .Produces<ConsistencyProofResponse>().ProducesProblem(400);

        ledger.MapPost("/cosignatures", CosignAsync).RequireRole(anyRole)
            .WithSummary("A witness's cosignature (C2SP tlog-cosignature line) on the checkpoint of `size`, by the party's witness key.")
            .Accepts<string>("text/plain")
            .Produces<string>(StatusCodes.Status201Created, "text/plain").ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
    }

    private static async Task<IResult> CheckpointAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, [FromServices] ILedgerStore ledgers, CancellationToken ct)
    {
        // A checkpoint is replaced within a second of new entries: never serve a stale one from a cache.
        http.Response.Headers.CacheControl = "no-cache";
        var latest = await registry.ReadLedgerAsync(new AgreementId(agreement), l => l.Latest, ct);
        if (latest is not { } checkpoint)
        {
            return Problems.NotFound("no checkpoint has been signed yet");
        }

        var cosignatures = await ledgers.LoadCosignaturesAsync(new AgreementId(agreement), checkpoint.Size, ct);
        var note = new StringBuilder(checkpoint.SignedNote);
        foreach (var line in cosignatures)
        {
            note.Append(line).Append('\n');
        }

        return Results.Text(note.ToString(), TextPlain, Encoding.UTF8);
    }

    private static async Task<IResult> KeyAsync(string agreement, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var key = await registry.ReadLedgerAsync(new AgreementId(agreement), l => l.Signer.Verifier.ToString(), ct);
        return Results.Text(key + "\n", TextPlain, Encoding.UTF8);
    }

    private static async Task<IResult> EntryAsync(string agreement, long index, [FromServices] ILedgerStore ledgers, CancellationToken ct)
    {
        var bytes = index < 0 ? null : await ledgers.ReadLedgerEntryAsync(new AgreementId(agreement), index, ct);
        return bytes is null ? Problems.NotFound($"no ledger entry {index}") : Results.Bytes(bytes, "application/json");
    }

    private static async Task<IResult> OpeningsAsync(string agreement, long index, HttpContext http, [FromServices] TheaterRegistry registry, [FromServices] ILedgerStore ledgers, CancellationToken ct)
    {
        var caller = http.GetCaller();
        Parley.Core.Ports.LedgerRecord? record = null;
        if (index >= 0)
        {
            await foreach (var r in ledgers.ReadLedgerAsync(new AgreementId(agreement), index, ct))
            {
                record = r;
                break;
            }
        }

        if (record is null || record.Index != index)
        {
            return Problems.NotFound($"no ledger entry {index}");
        }

        var visible = new List<OpeningView>();
        for (int i = 0; i < record.Openings.Count; i++)
        {
            var opening = System.Text.Json.JsonDocument.Parse(record.Openings[i]).RootElement.Clone();
            if (MayOpen(opening, caller))
            {
                visible.Add(new OpeningView(i, opening));
            }
        }

        return ApiSupport.Json(new OpeningsResponse(index, visible));
    }

    private static async Task<IResult> OpeningsPageAsync(string agreement, long? from, int? count, HttpContext http, [FromServices] ILedgerStore ledgers, CancellationToken ct)
    {
        if (from is not { } first || first < 0)
        {
            return Field("from", "required: the index of the first entry (0 or more)");
        }

        if (count is not { } n || n is < 1 or > 1000)
        {
            return Field("count", "required: how many entries, from 1 to 1,000");
        }

        var caller = http.GetCaller();
        var entries = new List<OpeningsResponse>();
        await foreach (var record in ledgers.ReadLedgerAsync(new AgreementId(agreement), first, ct))
        {
            if (record.Index >= first + n)
            {
                break;
            }

            var visible = new List<OpeningView>();
            for (int i = 0; i < record.Openings.Count; i++)
            {
                var opening = System.Text.Json.JsonDocument.Parse(record.Openings[i]).RootElement.Clone();
                if (MayOpen(opening, caller))
                {
                    visible.Add(new OpeningView(i, opening));
                }
            }

            entries.Add(new OpeningsResponse(record.Index, visible));
        }

        return ApiSupport.Json(new OpeningsPage(first, entries));
    }

    /// <summary>
    /// Whether a caller may see an item: the center's administrator every one (the center keeps them all); a party the
    /// agreement text or an amendment of it, or an item it owns, that is shared with it or that is public.
    /// </summary>
    internal static bool MayOpen(System.Text.Json.JsonElement opening, Caller caller)
    {
        if (caller.Role == Roles.Admin)
        {
            return true;
        }

        var party = caller.Party;
        var content = opening.GetProperty("content");
        if (content.GetProperty("type").GetString() is "agreement" or Parley.Ledger.Entries.LedgerEntries.AmendmentItem)
        {
            return true;
        }

        // Declarations carry their feature; a withdrawal carries the withdrawn zone's owner and visibility.
        var properties = content.TryGetProperty("feature", out var feature) ? feature.GetProperty("properties") : content;
        string? owner = properties.GetProperty("owner").GetString();
        string? visibility = properties.TryGetProperty("visibility", out var v) ? v.GetString() : "private";
        return owner == party.Value || visibility == "public" ||
               (visibility == "parties" && properties.TryGetProperty("shared_with", out var shared) &&
                shared.EnumerateArray().Any(p => p.GetString() == party.Value));
    }

    private static async Task<IResult> InclusionAsync(string agreement, long? index, long? size, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        return await registry.ReadLedgerAsync(new AgreementId(agreement), l =>
        {
            if (size is not { } n || n < 1 || n > l.Tree.Size)
            {
                return Field("size", $"must be between 1 and the tree size {l.Tree.Size}");
            }

            if (index is not { } i || i < 0 || i >= n)
            {
                return Field("index", $"must be between 0 and size - 1 ({n - 1})");
            }

            var proof = l.Tree.InclusionProof(i, n);
            return ApiSupport.Json(new InclusionProofResponse(i, n, [.. proof.Select(Convert.ToBase64String)]));
        }, ct);
    }

    private static async Task<IResult> ConsistencyAsync(string agreement, long? from, long? to, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        return await registry.ReadLedgerAsync(new AgreementId(agreement), l =>
        {
            if (to is not { } n || n < 1 || n > l.Tree.Size)
            {
                return Field("to", $"must be between 1 and the tree size {l.Tree.Size}");
            }

            if (from is not { } m || m < 1 || m > n)
            {
                return Field("from", "must be between 1 and to (no proof exists from the empty tree)");
            }

            var proof = l.Tree.ConsistencyProof(m, n);
            return ApiSupport.Json(new ConsistencyProofResponse(m, n, [.. proof.Select(Convert.ToBase64String)]));
        }, ct);
    }

    private static async Task<IResult> CosignAsync(string agreement, long? size, HttpContext http, [FromServices] TheaterRegistry registry, [FromServices] ILedgerStore ledgers, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var party = caller.Agreement.Parties.FirstOrDefault(p => p.Id == caller.Party);
        if (party?.WitnessKey is not { } witnessKeyText)
        {
            return Problems.Forbidden("this party has no witness key in the agreement");
        }

        VerifierKey witnessKey;
        try
        {
            witnessKey = VerifierKey.Parse(witnessKeyText);
        }
        catch (FormatException)
        {
            return Problems.Forbidden("this party's witness key in the agreement is malformed");
        }

        var checkpoints = await registry.ReadLedgerAsync(new AgreementId(agreement), l => l.Checkpoints.ToList(), ct);
        var target = checkpoints.FirstOrDefault(c => c.Size == size);
        if (size is null || target.SignedNote is null)
        {
            return Field("size", "must be the size of a checkpoint the center signed");
        }

        string body;
        using (var bytes = await RequestBodies.ReadAllAsync(http.Request, ct))
        {
            body = Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
        }

        var text = SignedNote.Parse(target.SignedNote).Text;
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length is 0 or > 4)
        {
            return Field("body", "one to four cosignature lines: '— <key name> <base64>'");
        }

        foreach (var line in lines)
        {
            NoteSignature signature;
            try
            {
                signature = SignedNote.Parse("x\n\n" + line + "\n").Signatures[0];
            }
            catch (FormatException e)
            {
                return Field("body", e.Message);
            }

            if (!witnessKey.Verifies(text, signature))
            {
                return Field("body", "the cosignature does not verify with this party's witness key over that checkpoint");
            }

            await ledgers.SetCosignatureAsync(new AgreementId(agreement), size.Value, $"{signature.KeyName}+{signature.KeyId:x8}", signature.ToLine(), ct);
        }

        return Results.Text(target.SignedNote + string.Concat(lines.Select(l => l + "\n")), TextPlain, Encoding.UTF8, StatusCodes.Status201Created);
    }

    private static IResult Field(string field, string message) => TypedResults.Problem(
        title: "The input was refused", detail: $"{field}: {message}", statusCode: StatusCodes.Status400BadRequest,
        type: Problems.TypeBase + "invalid-input",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new FieldError(null, field, message) } });
}
