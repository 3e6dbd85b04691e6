using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Parley.Server.Tests.Contract;

/// <summary>
/// What the checked-in document must say whatever the tests happen to call, and that the judge of every answer
/// (<see cref="ContractDocument"/>) refuses answers the document does not describe.
/// </summary>
public sealed class ContractDocumentTests
{
    private static readonly string[] Methods = ["get", "put", "post", "delete"];

    private static JsonObject Document => ContractDocument.Shared.Document;

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations() =>
        from path in Document["paths"]!.AsObject()
        from method in Methods
        where path.Value![method] is JsonObject
        select (path.Key, method, path.Value![method]!.AsObject());

    private static IEnumerable<string> ParameterNames(JsonObject operation, string where) =>
        operation["parameters"]?.AsArray().Where(p => (string?)p!["in"] == where).Select(p => (string)p!["name"]!) ?? [];

    [Fact]
    public void every_route_but_the_health_checks_needs_the_bearer_token_and_declares_its_refusals()
    {
        Assert.Equal("bearer", (string?)Document["components"]!["securitySchemes"]!["bearer"]!["scheme"]);
        Assert.Equal("JWT", (string?)Document["components"]!["securitySchemes"]!["bearer"]!["bearerFormat"]);
        foreach (var (path, method, operation) in Operations())
        {
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("503"), $"{method} {path}: 503");
            Assert.NotNull(responses["503"]!["headers"]?["Retry-After"]);
            if (path.StartsWith("/health", StringComparison.Ordinal))
            {
                Assert.Null(operation["security"]);
                continue;
            }

            Assert.Equal("bearer", operation["security"]!.AsArray().Single()!.AsObject().Single().Key);
            foreach (var status in new[] { "401", "403", "404", "429" })
            {
                Assert.True(responses.ContainsKey(status), $"{method} {path}: {status}");
                Assert.Equal("#/components/schemas/ProblemDetails", (string?)responses[status]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
            }

            Assert.NotNull(responses["429"]!["headers"]?["Retry-After"]);
        }
    }

    [Fact]
    public void every_write_of_a_party_declares_the_signature_headers_and_its_body_limits()
    {
        // The dry-run check and a witness's cosignature are the two writes that are not signed requests.
        var unsigned = new[] { "post /v1/agreements/{agreement}/check", "post /v1/agreements/{agreement}/ledger/cosignatures" };
        var writes = Operations().Where(o => o.Method != "get" && !unsigned.Contains($"{o.Method} {o.Path}")).ToList();
        // Zones 3, operations 5, the answer 1, subscriptions 2, amendments 3, incidents 3.
        Assert.True(writes.Count >= 17, $"only {writes.Count} signed writes in the document");
        foreach (var (path, method, operation) in writes)
        {
            var headers = ParameterNames(operation, "header").ToList();
            Assert.Subset(headers.ToHashSet(), new HashSet<string> { "Parley-Signature", "Parley-Timestamp", "Parley-Nonce", "Parley-Key", "Idempotency-Key" });
            var responses = operation["responses"]!.AsObject();
            Assert.All(new[] { "400", "401", "409", "422" }, s => Assert.True(responses.ContainsKey(s), $"{method} {path}: {s}"));
            if (operation["requestBody"] is not null)
            {
                Assert.All(new[] { "408", "413" }, s => Assert.True(responses.ContainsKey(s), $"{method} {path}: {s}"));
            }

            if (responses.ContainsKey("428"))
            {
                Assert.True(operation["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "If-Match")!["required"]!.GetValue<bool>());
            }
        }
    }

    /// <summary>The components that the operations' <paramref name="part"/> refer to, directly or through other components.</summary>
    private static HashSet<string> Referenced(string part)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode>(Operations().Select(o => o.Operation[part]).OfType<JsonNode>());
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject o:
                    if ((string?)(o["$ref"] as JsonValue) is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal) &&
                        found.Add(reference["#/components/schemas/".Length..]))
                    {
                        pending.Push(Document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!);
                    }

                    foreach (var (_, child) in o.Where(c => c.Value is not null))
                    {
                        pending.Push(child!);
                    }

                    break;
                case JsonArray a:
                    foreach (var child in a.OfType<JsonNode>())
                    {
                        pending.Push(child);
                    }

                    break;
            }
        }

        return found;
    }

    [Fact]
    public void answer_objects_leave_absent_values_out_rather_than_send_null()
    {
        // Request schemas say what a client may send, null included: those only request bodies use.
        var inputs = new[] { "SubscriptionRequest", "VolumeProperties", "ZoneProperties", "OperationProperties", "ReplyRequest", "GradeRequest", "AnswerRequest" }
            .Concat(Referenced("requestBody").Except(Referenced("responses"))).ToHashSet();
        foreach (var (name, schema) in Document["components"]!["schemas"]!.AsObject().Where(s => !inputs.Contains(s.Key)))
        {
            foreach (var (property, value) in schema!["properties"]?.AsObject() ?? [])
            {
                string text = value!.ToJsonString();
                Assert.False(text.Contains("\"null\"", StringComparison.Ordinal), $"{name}.{property} may be null: {text}");
            }
        }

        // Names as sent: the coarse cell's resolution is snake_case on the wire.
        Assert.NotNull(Document["components"]!["schemas"]!["CoarseCell"]!["properties"]!["resolution_metres"]);
        var requestView = Document["components"]!["schemas"]!["RequestView"]!["required"]!.AsArray().Select(r => (string)r!).ToList();
        Assert.DoesNotContain("operation", requestView);
        Assert.DoesNotContain("counter_proposal", requestView);
    }

    [Fact]
    public void the_routes_name_their_bodies_enums_ranges_and_media_types()
    {
        JsonNode Get(string path, string method) => Document["paths"]![path]![method]!;
        Assert.Equal("#/components/schemas/ZoneDeclaration", (string?)Get("/v1/agreements/{agreement}/zones", "post")["requestBody"]!["content"]!["application/geo+json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/OperationFeature", (string?)Get("/v1/agreements/{agreement}/check", "post")["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/AnswerRequest", (string?)Get("/v1/agreements/{agreement}/requests/{id}/answer", "post")["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/LedgerEntry", (string?)Get("/v1/agreements/{agreement}/ledger/entries/{index}", "get")["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.NotNull(Get("/v1/agreements/{agreement}/events", "get")["responses"]!["200"]!["content"]!["text/event-stream"]);
        Assert.Contains("Last-Event-ID", ParameterNames(Get("/v1/agreements/{agreement}/events", "get").AsObject(), "header"));
        var subscription = Document["components"]!["schemas"]!["SubscriptionRequest"]!["required"]!.AsArray().Select(r => (string)r!).ToHashSet();
        Assert.Equal(new HashSet<string> { "area", "start" }, subscription);

        var requests = Get("/v1/agreements/{agreement}/requests", "get")["parameters"]!.AsArray();
        Assert.Equal(6, requests.Single(p => (string?)p!["name"] == "state")!["schema"]!["enum"]!.AsArray().Count);
        Assert.Equal(2, requests.Single(p => (string?)p!["name"] == "role")!["schema"]!["enum"]!.AsArray().Count);
        var inclusion = Get("/v1/agreements/{agreement}/ledger/proof/inclusion", "get")["parameters"]!.AsArray();
        Assert.Equal(0, (int)inclusion.Single(p => (string?)p!["name"] == "index")!["schema"]!["minimum"]!);
        Assert.Equal(1, (int)inclusion.Single(p => (string?)p!["name"] == "size")!["schema"]!["minimum"]!);
        Assert.NotNull(Get("/v1/agreements/{agreement}/zones/{id}", "get")["responses"]!["200"]!["headers"]!["ETag"]);
        Assert.NotNull(Get("/v1/agreements/{agreement}/subscriptions", "post")["responses"]!["201"]!["headers"]!["Location"]);
    }

    private static RecordedAnswer Answer(string method, string path, int status, string? contentType, string body, params string[] headers) =>
        new(method, path, status, contentType, Encoding.UTF8.GetBytes(body), false, headers.ToHashSet(StringComparer.OrdinalIgnoreCase), null);

    private const string Problem = """{"type":"https://parley.invalid/problems/not-found","title":"Not found","status":404,"detail":"no zone"}""";

    [Fact]
    public void the_judge_passes_a_described_answer_and_names_what_is_wrong_in_others()
    {
        var judge = ContractDocument.Shared;
        Assert.Empty(judge.Check(Answer("GET", "/v1/agreements/demo/zones/z-1", 404, "application/problem+json", Problem)));
        Assert.Empty(judge.Check(Answer("GET", "/health", 200, "application/json; charset=utf-8", """{"status":"ok","agreements":["demo"]}""")));

        // A status the route does not declare.
        Assert.Contains("status not declared", Assert.Single(judge.Check(Answer("GET", "/v1/agreements/demo/zones/z-1", 418, "application/problem+json", Problem))));

        // Another media type than the one declared.
        Assert.Contains("media type", Assert.Single(judge.Check(Answer("GET", "/v1/agreements/demo/zones/z-1", 404, "text/plain", "not found"))));

        // A body that does not match its schema: a required field missing, a null where the rule says absent, a string for a number.
        Assert.Contains("does not match", Assert.Single(judge.Check(Answer("GET", "/health", 200, "application/json", """{"status":"ok"}"""))));
        Assert.Contains("does not match", Assert.Single(judge.Check(Answer("GET", "/v1/agreements/demo/requests/cr-1", 200, "application/json",
            """{"id":"cr-1","operation":null,"operation_version":1,"submitter":"red","affected":"blue","target_type":"zone","state":"open","opened":"t","deadline":"t","version":1}"""))));
        Assert.Contains("does not match", Assert.Single(judge.Check(Answer("GET", "/v1/agreements/demo/ledger/proof/inclusion", 200, "application/json",
            """{"index":"0","size":1,"hashes":[]}"""))));

        // A header the answer relies on but the document does not declare; an empty body where one is declared.
        Assert.Contains("header Location", Assert.Single(judge.Check(Answer("GET", "/health", 200, "application/json", """{"status":"ok","agreements":[]}""", "Location"))));
        Assert.Contains("no body", Assert.Single(judge.Check(Answer("GET", "/v1/agreements/demo/zones/z-1", 404, "application/problem+json", ""))));

        // An event stream closed before its first event is an empty stream; an empty answer of no media type is not one.
        Assert.Empty(judge.Check(Answer("GET", "/v1/agreements/demo/events", 200, "text/event-stream", "")));
        Assert.Contains("no body", Assert.Single(judge.Check(Answer("GET", "/v1/agreements/demo/events", 200, null, ""))));

        // A path no route answers is not the document's business; a described route's undeclared method neither.
        Assert.Empty(judge.Check(Answer("GET", "/no/such/path", StatusCodes.Status404NotFound, null, "")));
    }
}
