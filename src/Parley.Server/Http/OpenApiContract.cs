using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Parley.Server.Security;

namespace Parley.Server.Http;

/// <summary>Marks a route whose requests must be signed by the party (see <see cref="SubmissionFilter"/>).</summary>
internal sealed class SignedWriteMetadata;

/// <summary>
/// Makes the OpenAPI document say what the server does, beyond what the routes' types say: the bearer token and the
/// signature headers, every status the pipeline can answer (authentication, roles, rate and time limits, body limits),
/// the headers read and sent, typed request bodies and parameter ranges, and one rule for absent values: a field
/// with no value is left out of the answer, so it is optional in the document and never null.
/// </summary>
internal static class OpenApiContract
{
    private const string Problem = "application/problem+json";
    private const string Agreements = "/v1/agreements/{agreement}";

    // Request bodies in Parley's input model, by route (the routes read them from bytes, not through a bound type).
    private static readonly Dictionary<string, string[]> RequestBodies = new(StringComparer.Ordinal)
    {
        ["POST /zones"] = ["ZoneDeclaration"],
        ["PUT /zones/{id}"] = ["ZoneFeature"],
        ["POST /operations"] = ["OperationFeature"],
        ["PUT /operations/{id}"] = ["OperationFeature"],
        ["POST /check"] = ["OperationFeature"],
        ["POST /requests/{id}/answer"] = ["AnswerRequest"],
        ["POST /subscriptions"] = ["SubscriptionRequest"],
        ["POST /agreement/amendments"] = ["AmendmentProposal"],
        ["POST /agreement/amendments/{id}/signatures"] = ["AmendmentSignature"],
        ["POST /agreement/amendments/{id}/refusals"] = ["AmendmentRefusal"],
        ["POST /incidents"] = ["IncidentFeature"],
        ["POST /incidents/{id}/replies"] = ["ReplyRequest"],
        ["POST /incidents/{id}/grades"] = ["GradeRequest"],
    };

    // Routes whose successful answers carry the version written or read as an ETag.
    private static readonly HashSet<string> Versioned = new(StringComparer.Ordinal)
    {
        "GET /zones/{id}", "PUT /zones/{id}", "POST /operations", "PUT /operations/{id}", "GET /operations/{id}",
        "POST /operations/{id}/cancel", "POST /operations/{id}/activate", "POST /operations/{id}/complete",
        "GET /requests/{id}", "POST /requests/{id}/answer", "GET /agreement", "GET /agreement/amendments/{id}",
        "POST /agreement/amendments", "POST /agreement/amendments/{id}/signatures", "POST /agreement/amendments/{id}/refusals",
        "GET /incidents/{id}", "POST /incidents", "POST /incidents/{id}/replies", "POST /incidents/{id}/grades",
    };

    // Routes whose 201 answers say where the new resource is.
    private static readonly HashSet<string> Located = new(StringComparer.Ordinal)
    {
        "POST /operations", "POST /subscriptions", "POST /incidents", "POST /agreement/amendments",
    };

    // Query and path parameters the handlers check beyond their type: (route, parameter) -> schema.
    private static readonly Dictionary<(string Route, string Name), string> Parameters = new()
    {
        [("GET /requests", "state")] = """{"type":"string","enum":["open","concurred","refused","counter-proposed","expired","withdrawn"]}""",
        [("GET /requests", "role")] = """{"type":"string","enum":["affected","submitter"]}""",
        [("GET /ledger/proof/inclusion", "index")] = """{"type":"integer","format":"int64","minimum":0,"description":"0 to size - 1."}""",
        [("GET /ledger/proof/inclusion", "size")] = """{"type":"integer","format":"int64","minimum":1,"description":"1 to the tree's size."}""",
        [("GET /ledger/proof/consistency", "from")] = """{"type":"integer","format":"int64","minimum":1,"description":"1 to `to`."}""",
        [("GET /ledger/proof/consistency", "to")] = """{"type":"integer","format":"int64","minimum":1,"description":"1 to the tree's size."}""",
        [("GET /ledger/openings", "from")] = """{"type":"integer","format":"int64","minimum":0}""",
        [("GET /ledger/openings", "count")] = """{"type":"integer","format":"int32","minimum":1,"maximum":1000}""",
        [("GET /ledger/entries/{index}", "index")] = """{"type":"integer","format":"int64","minimum":0}""",
        [("GET /ledger/openings/{index}", "index")] = """{"type":"integer","format":"int64","minimum":0}""",
        [("POST /ledger/cosignatures", "size")] = """{"type":"integer","format":"int64","minimum":1}""",
    };

    /// <summary>Adds the contract's transformers to the document's options.</summary>
    public static OpenApiOptions AddContract(this OpenApiOptions options)
    {
        options.AddOperationTransformer((operation, context, _) =>
        {
            Describe(operation, context);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            Complete(document);
            return Task.CompletedTask;
        });
        return options;
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var document = context.Document ?? throw new InvalidOperationException("the operation has no document");
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        string method = context.Description.HttpMethod ?? "GET";
        // As the document names paths: no route constraints, no catch-all stars.
        string path = "/" + System.Text.RegularExpressions.Regex.Replace(context.Description.RelativePath ?? "", @"\{\**([^}:]+)(:[^}]*)?\}", "{$1}").TrimEnd('/');
        string route = method + " " + (path.StartsWith(Agreements, StringComparison.Ordinal) ? path[Agreements.Length..] : path);
        bool anonymous = metadata.OfType<IAllowAnonymous>().Any();
        bool signed = metadata.OfType<SignedWriteMetadata>().Any();
        operation.Responses ??= [];
        operation.Parameters ??= [];

        if (RequestBodies.TryGetValue(route, out var bodies) && operation.RequestBody?.Content is { } accepted)
        {
            foreach (var media in accepted.Values)
            {
                media.Schema = new OpenApiSchemaReference(bodies[0], document);
            }
        }

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
        {
            if (Parameters.TryGetValue((route, parameter.Name ?? ""), out var schema))
            {
                parameter.Schema = ParseSchema(schema, document);
            }
        }

        if (!anonymous)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            Add(operation, document, 401, "No valid bearer token; on a signed write, a signature that is missing or does not verify (the header at fault in `errors`).");
            Add(operation, document, 403, "The token is for another agreement, or lacks the role the call needs, or the party may not do this.");
            Add(operation, document, 429, "Too many requests from this party (or address), or its probing or validation budget is spent: retry after `Retry-After` seconds.", retryAfter: true);
        }

        if (path.StartsWith(Agreements, StringComparison.Ordinal))
        {
            Add(operation, document, 404, "No such agreement (or no such item that the caller may see).");
        }

        // A query parameter, a body, an Idempotency-Key, or a path value the route cannot bind (a number, an empty tile
        // path) may be refused.
        if (operation.Parameters.Any(p => p.In == ParameterLocation.Query) || operation.RequestBody is not null || signed ||
            path.Contains("{index}", StringComparison.Ordinal) || path.Contains("{path}", StringComparison.Ordinal))
        {
            Add(operation, document, 400, "A parameter or the body was refused: `errors` names each field at fault; nothing was changed.");
        }

        if (signed)
        {
            Header(operation, SignedRequests.SignatureHeader, true, "Ed25519 signature (base64) by one of the party's submission keys of the signed message (docs/security.md).", """{"type":"string","contentEncoding":"base64"}""", document);
            Header(operation, SignedRequests.TimestampHeader, true, "When the request was signed (RFC 3339, UTC), within the agreement's signature window of the center's clock.", """{"type":"string","format":"date-time"}""", document);
            Header(operation, SignedRequests.NonceHeader, true, "A fresh nonce: 16 to 128 characters of base64url; an accepted write spends it.", """{"type":"string","pattern":"^[A-Za-z0-9_-]{16,128}$"}""", document);
            Header(operation, SignedRequests.KeyHeader, false, "Which submission key signed (its public key as the agreement lists it); absent: any of the party's keys.", """{"type":"string"}""", document);
            Header(operation, "Idempotency-Key", false, "Names the write for retries: a retry with the same key, method, path and body gets the first answer.", """{"type":"string","minLength":1,"maxLength":255,"pattern":"^[!-~]+$"}""", document);
            Add(operation, document, 409, "The nonce was spent by an accepted write (`replayed`), or the change is not allowed now.");
            Add(operation, document, 422, "The Idempotency-Key was used for another request.");
        }

        if (operation.RequestBody is not null)
        {
            Add(operation, document, 408, "The body arrived more slowly than the server's minimum rate (1 KiB a second after its first 10 s by default): a `body-too-slow` problem; nothing was changed.");
            Add(operation, document, 413, "The body is larger than the server's limit (16 MiB by default).");
            if (operation.RequestBody.Content?.Keys.Any(k => k.EndsWith("json", StringComparison.Ordinal)) == true)
            {
                Add(operation, document, 415, "The body is not declared as JSON (application/geo+json or application/json) in UTF-8.");
            }
        }

        Add(operation, document, 503, "The center's database is unavailable (with `Retry-After`), or the request was not done within the time limit and was abandoned; nothing was changed.", retryAfter: true);

        if (operation.Responses.ContainsKey("428") || operation.Responses.ContainsKey("412"))
        {
            bool required = operation.Responses.ContainsKey("428");
            Header(operation, "If-Match", required, required
                ? "The ETag of the version changed: 428 without it, 412 when it is not the current one."
                : "The ETag of the version changed (optional): 412 when it is not the current one.", """{"type":"string"}""", document);
        }

        // Answers declared by media type alone (a stream, an export): the media type with a schema of its kind.
        foreach (var produces in metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>())
        {
            if (produces.Type is null || produces.Type == typeof(void))
            {
                string status = produces.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (operation.Responses.TryGetValue(status, out var declared) && declared is OpenApiResponse { Content: null or { Count: 0 } } bare && produces.ContentTypes.Any())
                {
                    bare.Content = produces.ContentTypes.ToDictionary(c => c, c => new OpenApiMediaType
                    {
                        Schema = new OpenApiSchema { Type = c.EndsWith("json", StringComparison.Ordinal) ? JsonSchemaType.Object : JsonSchemaType.String },
                    });
                }
            }
        }

        if (route == "GET /events")
        {
            Header(operation, "Last-Event-ID", false, "Resume after this event id (a whole number).", """{"type":"string","pattern":"^[0-9]+$"}""", document);
            if (operation.Responses.TryGetValue("200", out var stream) && stream is OpenApiResponse events)
            {
                events.Description = "A server-sent event stream: per event `id`, `event` (its type) and `data` (JSON); comments as heartbeats.";
            }
        }

        if (route == "GET /ledger/entries/{index}" && operation.Responses.TryGetValue("200", out var entry) && entry is OpenApiResponse raw)
        {
            raw.Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference("LedgerEntry", document) } };
        }

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse answer || status is not ("200" or "201"))
            {
                continue;
            }

            if (Versioned.Contains(route))
            {
                ResponseHeader(answer, "ETag", "The version of the resource (send it back in If-Match to change it).");
            }

            if (status == "201" && Located.Contains(route))
            {
                ResponseHeader(answer, "Location", "Where the new resource is.");
            }
        }
    }

    private static void Complete(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT naming the party (`sub`), the agreement (`agreement`) and its roles (`scope`), signed by the party's identity provider or the center's development key.",
        };

        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, json) in JsonNode.Parse(OpenApiSchemas.Components)!.AsObject())
        {
            document.Components.Schemas[name] = ParseSchema(json!.ToJsonString(), document);
        }

        var inputs = JsonNode.Parse(OpenApiInputSchemas.Components)!.AsObject();
        foreach (var (name, json) in inputs)
        {
            document.Components.Schemas[name] = ParseSchema(json!.ToJsonString(), document);
        }

        // Properties the server does not fill are left out rather than sent as null: optional, not nullable.
        foreach (var (name, schema) in document.Components.Schemas)
        {
            if (schema is OpenApiSchema answer && !Inputs.Contains(name) && !inputs.ContainsKey(name))
            {
                Tighten(answer);
            }
        }
    }

    // Request schemas say what a client may send, null included.
    private static readonly HashSet<string> Inputs = new(StringComparer.Ordinal)
    {
        "SubscriptionRequest", "VolumeProperties", "ZoneProperties", "OperationProperties", "ReplyRequest", "GradeRequest", "AnswerRequest",
    };

    /// <summary>
    /// Numbers as sent (the server writes numbers, never strings of digits), and absent values optional: a property
    /// that may hold no value is left out of the answer, never written as null.
    /// </summary>
    private static void Tighten(OpenApiSchema schema)
    {
        if (schema.Type is { } type && (type & JsonSchemaType.String) != 0 && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && schema.Pattern is not null)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (schema.Properties is null)
        {
            return;
        }

        foreach (var name in schema.Properties.Keys.ToList())
        {
            var property = schema.Properties[name];
            if (property is OpenApiSchema inline)
            {
                Tighten(inline);
                if (inline.Type is { } t && (t & JsonSchemaType.Null) != 0)
                {
                    inline.Type = t & ~JsonSchemaType.Null;
                    schema.Required?.Remove(name);
                }
                else if (inline.OneOf is { Count: 2 } choices && choices.Any(c => c is OpenApiSchema { Type: JsonSchemaType.Null }))
                {
                    var other = choices.First(c => c is not OpenApiSchema { Type: JsonSchemaType.Null });
                    schema.Properties[name] = other;
                    schema.Required?.Remove(name);
                }

                if (inline.Items is OpenApiSchema items)
                {
                    Tighten(items);
                }
            }
        }
    }

    private static void Add(OpenApiOperation operation, OpenApiDocument document, int status, string description, bool retryAfter = false)
    {
        string key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse declared)
        {
            declared.Description = description;
            if (retryAfter)
            {
                ResponseHeader(declared, "Retry-After", "Seconds to wait before retrying.");
            }

            return;
        }

        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [Problem] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) } },
        };
        if (retryAfter)
        {
            ResponseHeader(response, "Retry-After", "Seconds to wait before retrying.");
        }

        operation.Responses[key] = response;
    }

    private static void ResponseHeader(OpenApiResponse response, string name, string description)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader
        {
            Description = description,
            Schema = name == "Retry-After" ? new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" } : new OpenApiSchema { Type = JsonSchemaType.String },
        };
    }

    private static void Header(OpenApiOperation operation, string name, bool required, string description, string schema, OpenApiDocument document)
    {
        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = required,
            Description = description,
            Schema = ParseSchema(schema, document),
        });
    }

    private static IOpenApiSchema ParseSchema(string json, OpenApiDocument document)
    {
        var schema = OpenApiModelFactory.Parse<OpenApiSchema>(json, OpenApiSpecVersion.OpenApi3_1, document, out var diagnostic, "json");
        return schema is not null && diagnostic?.Errors is not { Count: > 0 }
            ? schema
            : throw new InvalidOperationException($"a contract schema does not read: {string.Join("; ", diagnostic?.Errors.Select(e => e.Message) ?? [])}");
    }
}
