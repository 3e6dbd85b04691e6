using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Parley.Server.Configuration;

namespace Parley.Server.Console;

/// <summary>
/// The operator console: the browser client built from <c>web/</c> into this assembly's resources, served at
/// <c>/</c> and <c>/console/…</c> with a strict Content-Security-Policy. It is only a client: every datum it shows
/// comes from the API with the signed-in party's token.
/// </summary>
internal static class ConsoleFiles
{
    /// <summary>
    /// Scripts, styles, images and connections from this origin only, no inline script or style, no plugins, no
    /// framing, no form posts: the console loads nothing from elsewhere. Blob images let an operator load a local
    /// basemap file.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
        "connect-src 'self'; worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "Parley.Server.Console.";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".json"] = "application/json",
        [".png"] = "image/png",
        [".woff2"] = "font/woff2",
        [".map"] = "application/json",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<string, (byte[] Bytes, string ETag)>> Files = new(Load);

    /// <summary>Maps <c>GET /</c> and <c>GET /console/{file}</c>.</summary>
    /// <exception cref="ArgumentException">A basemap tile origin of the options is not an https:// origin (or http:// on loopback).</exception>
    public static void Map(WebApplication app)
    {
        string policy = Policy(app.Services.GetRequiredService<ParleyServerOptions>().ConsoleTileOrigins);
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html", policy)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/console/{**file}", (HttpContext http, string file) => Serve(http, file, policy)).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>The policy with the operator's basemap tile origins allowed for images and fetches.</summary>
    internal static string Policy(IReadOnlyList<string> tileOrigins)
    {
        var origins = new List<string>();
        foreach (var origin in tileOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0 ||
                !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            {
                throw new ArgumentException($"--console-tiles: '{origin}' is not an origin such as https://tiles.example (http:// only on loopback)", nameof(tileOrigins));
            }

            origins.Add(uri.GetLeftPart(UriPartial.Authority));
        }

        if (origins.Count == 0)
        {
            return ContentSecurityPolicy;
        }

        string extra = " " + string.Join(' ', origins);
        return ContentSecurityPolicy.Replace("img-src 'self' data: blob:;", "img-src 'self' data: blob:" + extra + ";", StringComparison.Ordinal)
            .Replace("connect-src 'self';", "connect-src 'self'" + extra + ";", StringComparison.Ordinal);
    }

    /// <summary>The console's files, by path under <c>/console/</c> (index.html among them).</summary>
    public static IReadOnlyCollection<string> Names => Files.Value.Keys;

    /// <summary>Headers of every console answer, files and refusals alike.</summary>
    public static void SecureHeaders(HttpResponse response, string policy = ContentSecurityPolicy)
    {
        response.Headers.ContentSecurityPolicy = policy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
        response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
        response.Headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
    }

    private static IResult Serve(HttpContext http, string file, string policy)
    {
        SecureHeaders(http.Response, policy);
        if (!Files.Value.TryGetValue(file, out var found))
        {
            return Http.Problems.NotFound("no such console file");
        }

        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = found.ETag;
        if (http.Request.Headers.IfNoneMatch == found.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(found.Bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream"));
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] bytes = buffer.ToArray();
            files[name[ResourcePrefix.Length..]] = (bytes, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
