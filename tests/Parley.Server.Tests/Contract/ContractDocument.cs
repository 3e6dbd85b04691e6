using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Parley.Server.Tests.Contract;

/// <summary>
/// The checked-in OpenAPI document (docs/openapi.json) as a judge of answers: the route and status declared, the media
/// type declared for that status, the headers declared, and the body valid under the declared schema.
/// </summary>
public sealed class ContractDocument
{
    private static readonly Lazy<ContractDocument> Loaded = new(() => new ContractDocument(File.ReadAllText(RepositoryFile("docs/openapi.json"))));

    // Headers whose presence a client relies on: each must be declared where it is sent.
    private static readonly string[] DeclaredHeaders = ["ETag", "Retry-After", "Location"];

    private readonly JsonObject _document;
    private readonly JsonObject _definitions;
    private readonly List<(string Template, Regex Pattern, int Literals)> _paths = [];
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    /// <summary>Reads a document.</summary>
    public ContractDocument(string json)
    {
        _document = JsonNode.Parse(json)!.AsObject();
        _definitions = (JsonObject)Rewrite(_document["components"]?["schemas"]?.DeepClone() ?? new JsonObject());
        foreach (var (template, _) in _document["paths"]!.AsObject())
        {
            var segments = template.Trim('/').Split('/');
            // The last parameter may take the rest of the path (the ledger's tiles); the tile path may be empty.
            string pattern = "^/" + string.Join("/", segments.Select((s, i) => s.StartsWith('{')
                ? (i < segments.Length - 1 ? "[^/]+" : s == "{path}" ? ".*" : "[^/]+(?:/[^/]+)*")
                : Regex.Escape(s))) + "/?$";
            _paths.Add((template, new Regex(pattern, RegexOptions.CultureInvariant), segments.Count(s => !s.StartsWith('{'))));
        }
    }

    /// <summary>The checked-in document.</summary>
    public static ContractDocument Shared => Loaded.Value;

    /// <summary>The document itself.</summary>
    public JsonObject Document => _document;

    /// <summary>The path of a file of the repository.</summary>
    public static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new DirectoryNotFoundException("the repository root (Parley.slnx) was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>What is wrong with <paramref name="answer"/> under the document: nothing when it is described.</summary>
    public IEnumerable<string> Check(RecordedAnswer answer)
    {
        string method = answer.Method.ToLowerInvariant();
        var template = _paths.Where(p => p.Pattern.IsMatch(answer.Path)).OrderByDescending(p => p.Literals).Select(p => p.Template).FirstOrDefault();
        var operation = template is null ? null : _document["paths"]![template]![method] as JsonObject;
        if (operation is null)
        {
            // Routes left out of the document on purpose (the console, its demo sign-in, the document itself), and
            // paths or methods no route answers, are not part of the contract.
            bool described = answer.Endpoint is RouteEndpoint endpoint &&
                endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true } &&
                endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(answer.Method, StringComparer.OrdinalIgnoreCase) != false &&
                !answer.Path.StartsWith("/openapi/", StringComparison.Ordinal) && answer.Path != "/metrics";
            if (described)
            {
                yield return $"{answer.Method} {answer.Path} {answer.Status}: the route is not in the document";
            }

            yield break;
        }

        string where = $"{answer.Method} {template} {answer.Status}";
        var responses = operation["responses"]?.AsObject();
        string status = answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = responses?[status] ?? responses?[status[0] + "XX"] ?? responses?["default"];
        if (response is null)
        {
            yield return $"{where}: status not declared (declared: {string.Join(", ", responses?.Select(r => r.Key) ?? [])}); body {Excerpt(answer.Body)}";
            yield break;
        }

        var declaredHeaders = response["headers"]?.AsObject();
        foreach (var header in DeclaredHeaders)
        {
            if (answer.Headers.Contains(header) && declaredHeaders?.Any(h => h.Key.Equals(header, StringComparison.OrdinalIgnoreCase)) != true)
            {
                yield return $"{where}: header {header} sent but not declared";
            }
        }

        var content = response["content"]?.AsObject();
        string media = (answer.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (answer.Body.Length == 0 && !answer.Truncated)
        {
            // An event stream closed before its first event is an empty stream, as its media type says.
            bool emptyStream = media == "text/event-stream" && content?.ContainsKey(media) == true;
            if (content is { Count: > 0 } && answer.Method != "HEAD" && !emptyStream)
            {
                yield return $"{where}: no body, where the document declares {string.Join(", ", content.Select(c => c.Key))}";
            }

            yield break;
        }

        if (content is null || content.Count == 0)
        {
            yield return $"{where}: a body ({answer.ContentType}) where the document declares none";
            yield break;
        }

        var declared = content.FirstOrDefault(c => c.Key.Equals(media, StringComparison.OrdinalIgnoreCase));
        if (declared.Value is null)
        {
            yield return $"{where}: media type '{answer.ContentType}' not declared (declared: {string.Join(", ", content.Select(c => c.Key))})";
            yield break;
        }

        if (answer.Truncated || !(media.EndsWith("json", StringComparison.Ordinal)) || declared.Value["schema"] is not { } schemaNode)
        {
            yield break;
        }

        var body = ParseOrNull(answer.Body, out string? error);
        if (body is null)
        {
            yield return $"{where}: the body is not JSON ({error})";
            yield break;
        }

        using (body)
        {
            var schema = _schemas.GetOrAdd($"{template} {method} {status} {declared.Key}", _ => Compile(schemaNode));
            var result = schema.Evaluate(body.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (!result.IsValid)
            {
                var errors = (result.Details ?? [])
                    .Where(d => d.Errors is { Count: > 0 })
                    .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))
                    .Take(8);
                yield return $"{where}: the body does not match the schema: {string.Join("; ", errors)}; body {Excerpt(answer.Body)}";
            }
        }
    }

    /// <summary>A schema of the document as a standalone JSON Schema (2020-12) carrying every component it may refer to.</summary>
    public JsonSchema Compile(JsonNode schema)
    {
        var standalone = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://parley.invalid/contract/{Guid.NewGuid():N}",
            ["$defs"] = _definitions.DeepClone(),
            ["allOf"] = new JsonArray(Rewrite(schema.DeepClone())),
        };
        return JsonSchema.FromText(standalone.ToJsonString());
    }

    private static JsonNode Rewrite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key == "$ref" && o[key]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        o[key] = "#/$defs/" + reference["#/components/schemas/".Length..];
                    }
                    else if (o[key] is { } child)
                    {
                        Rewrite(child);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        Rewrite(child);
                    }
                }

                break;
        }

        return node;
    }

    private static JsonDocument? ParseOrNull(byte[] bytes, out string? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static string Excerpt(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400));
        return body.Length > 400 ? text + "…" : text;
    }
}
