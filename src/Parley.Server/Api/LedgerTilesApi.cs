using Microsoft.AspNetCore.Mvc;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>The agreement's log in the C2SP tlog-tiles layout: hash tiles and entry bundles, read-only and cacheable.</summary>
/// <remarks>
/// The checkpoint of the layout is <c>ledger/checkpoint</c>; its tiles are under <c>ledger/tile/</c>. A full tile
/// never changes, so it is served as immutable; a partial one is replaced by a wider one as the log grows.
/// </remarks>
internal static class LedgerTilesApi
{
    private const string OctetStream = "application/octet-stream";
    // Tiles need a party's token: a shared cache must not hand them on, but the party may keep full ones forever.
    private const string Immutable = "private, max-age=31536000, immutable";

    public static void Map(RouteGroupBuilder agreements)
    {
        var ledger = agreements.MapGroup("/ledger").WithTags("Ledger").WithDomainErrors();
        ledger.MapGet("/tile/{**path}", TileAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("A hash tile (tile/<L>/<N>[.p/<W>]) or entry bundle (tile/entries/<N>[.p/<W>]) of the C2SP tlog-tiles layout.")
            .Produces<byte[]>(contentType: OctetStream).ProducesProblem(404).ProducesProblem(500);
    }

    private static async Task<IResult> TileAsync(string agreement, string path, HttpContext http, [FromServices] TheaterRegistry registry, [FromServices] ILedgerStore ledgers, CancellationToken ct)
    {
        if (!Tiles.TryParsePath("tile/" + path, out var tile))
        {
            return Problems.NotFound($"'tile/{Problems.Clip(path)}' is not a tlog-tiles path");
        }

        var id = new AgreementId(agreement);
        byte[]? bytes;
        if (tile.IsEntryBundle)
        {
            long size = await registry.ReadLedgerAsync(id, l => l.Tree.Size, ct);
            long first = Tiles.FirstEntry(tile);
            if (first > size - tile.Width)
            {
                return Problems.NotFound($"the log of {size} entries has no {tile.Path}");
            }

            var entries = new List<byte[]>(tile.Width);
            await foreach (var record in ledgers.ReadLedgerAsync(id, first, ct))
            {
                if (record.Index != first + entries.Count)
                {
                    break;
                }

                if (record.Entry.Length > Tiles.MaxEntryLength)
                {
                    return Problems.Problem(StatusCodes.Status500InternalServerError, "entry-too-long", "The entry bundle cannot be written",
                        $"entry {record.Index} is {record.Entry.Length} bytes; an entry bundle holds entries of at most {Tiles.MaxEntryLength} bytes: read it at entries/{record.Index}");
                }

                entries.Add(record.Entry);
                if (entries.Count == tile.Width)
                {
                    break;
                }
            }

            if (entries.Count != tile.Width)
            {
                return Problems.NotFound($"the log has no {tile.Path}");
            }

            bytes = Tiles.EntryBundle(entries);
        }
        else
        {
            bytes = await registry.ReadLedgerAsync(id, l => Tiles.Covers(l.Tree, tile) ? Tiles.HashTile(l.Tree, tile) : null, ct);
            if (bytes is null)
            {
                return Problems.NotFound($"the log has no {tile.Path}");
            }
        }

        http.Response.Headers.CacheControl = tile.IsFull ? Immutable : "no-cache";
        return Results.Bytes(bytes, OctetStream);
    }
}
