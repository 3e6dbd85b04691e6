using System.Globalization;

namespace Parley.Server.Tests;

/// <summary>Small GeoJSON builders for requests.</summary>
internal static class Json
{
    public static string Box(double west, double south, double east, double north) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"type":"Polygon","coordinates":[[[{{west}},{{south}}],[{{east}},{{south}}],[{{east}},{{north}}],[{{west}},{{north}}],[{{west}},{{south}}]]]}""");

    public static string Feature(string id, string geometry, string properties) =>
        $$"""{"type":"Feature","id":"{{id}}","geometry":{{geometry}},"properties":{{properties}}}""";

    public static string Operation(string id, string kind, string geometry, string extra = "") =>
        Feature(id, geometry, $$"""{"kind":"{{kind}}","alt_min_m":100,"alt_max_m":2000,"start":"2026-12-01T08:00:00Z","end":"2026-12-01T12:00:00Z"{{extra}}}""");

    public static string Zone(string id, string kind, string geometry, string extra = "") =>
        Feature(id, geometry, $$"""{"kind":"{{kind}}","start":"2026-01-01T00:00:00Z"{{extra}}}""");
}

/// <summary>Requests that change a versioned resource: they name the version they change (If-Match).</summary>
internal static class VersionedRequests
{
    /// <summary>DELETE with If-Match (any version unless <paramref name="etag"/> is given).</summary>
    public static async Task<HttpResponseMessage> DeleteIfMatchAsync(this HttpClient client, string url, CancellationToken cancellationToken, string etag = "*")
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, url);
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return await client.SendAsync(request, cancellationToken);
    }
}
