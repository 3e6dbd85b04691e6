using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Cli.Client;

/// <summary>Reads a whole listing of zones or operations, page after page (the server answers one page at a time).</summary>
internal static class Listings
{
    /// <summary>Every feature of <paramref name="what"/> (<c>zones</c> or <c>operations</c>), as one FeatureCollection's text.</summary>
    public static async Task<string> AllAsync(ParleyClient server, string what, CancellationToken cancellationToken)
    {
        var features = new JsonArray();
        string? cursor = null;
        do
        {
            string answer = await server.GetAsync($"{what}?limit=10000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);
            var page = JsonNode.Parse(answer)!.AsObject();
            foreach (var feature in page["features"]!.AsArray().ToList())
            {
                page["features"]!.AsArray().Remove(feature);
                features.Add(feature);
            }

            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null);

        return new JsonObject { ["type"] = "FeatureCollection", ["features"] = features }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
