using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Parley.Server.Tests.Contract;

/// <summary>
/// Every request body of the checked-in document is typed with its fields, and the typed bodies take what the server
/// takes and refuse what it refuses: the demo's own incidents and terms, an amendment as the amendment tests send it,
/// and their hostile variants.
/// </summary>
public sealed class RequestBodyContractTests
{
    private static JsonObject Document => ContractDocument.Shared.Document;

    private static JsonObject Components => Document["components"]!["schemas"]!.AsObject();

    private static JsonNode? Resolve(JsonNode? schema)
    {
        for (int hops = 0; schema?["$ref"] is { } reference && hops < 16; hops++)
        {
            schema = Components[((string)reference!)["#/components/schemas/".Length..]];
        }

        return schema;
    }

    /// <summary>Why <paramref name="schema"/> does not say what a body holds, or null when it does.</summary>
    private static string? Untyped(JsonNode? schema, bool json, int depth = 0)
    {
        schema = Resolve(schema);
        if (schema is not JsonObject o || o.Count == 0)
        {
            return "any value";
        }

        if (o["type"] is null && (o["oneOf"] ?? o["anyOf"]) is { } choices)
        {
            return choices.AsArray().Select(c => Untyped(c, json, depth + 1)).FirstOrDefault(w => w is not null);
        }

        if (o["type"] is null && o["const"] is null && o["enum"] is null)
        {
            return "no type";
        }

        // A JSON body is an object whose members are named, or that has none (a bare "object" is any JSON object).
        bool isObject = o["type"] is JsonValue t ? (string?)t == "object" : o["type"] is JsonArray ts && ts.Any(x => (string?)x == "object");
        return json && depth == 0 && !isObject ? "not an object"
            : json && isObject && o["properties"] is null && o["additionalProperties"]?.GetValueKind() != JsonValueKind.False ? "an object with no declared members"
            : null;
    }

    [Fact]
    public void every_request_body_of_the_document_is_typed_with_its_fields()
    {
        var untyped = new List<string>();
        int bodies = 0;
        foreach (var (path, item) in Document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (media, content) in operation?["requestBody"]?["content"]?.AsObject() ?? [])
                {
                    bodies++;
                    var schema = content?["schema"];
                    string? reference = (string?)schema?["$ref"];
                    string? why = reference == "#/components/schemas/JsonElement" ? "any JSON" : Untyped(schema, media.EndsWith("json", StringComparison.Ordinal));
                    if (why is not null)
                    {
                        untyped.Add($"{method.ToUpperInvariant()} {path} ({media}): {why}");
                    }
                }
            }
        }

        Assert.True(bodies >= 20, $"only {bodies} request bodies in the document");
        Assert.True(untyped.Count == 0, "untyped request bodies:\n" + string.Join("\n", untyped));
    }

    private static EvaluationResults Evaluate(string component, string json)
    {
        var schema = ContractDocument.Shared.Compile(new JsonObject { ["$ref"] = $"#/components/schemas/{component}" });
        using var body = JsonDocument.Parse(json);
        return schema.Evaluate(body.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
    }

    private static void Valid(string component, string json)
    {
        var result = Evaluate(component, json);
        Assert.True(result.IsValid, $"{component} refuses {json}: " + string.Join("; ",
            (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(6)));
    }

    private static void Invalid(string component, string json) =>
        Assert.False(Evaluate(component, json).IsValid, $"{component} takes {json}");

    private static JsonObject DemoFile(string name) =>
        JsonNode.Parse(File.ReadAllText(ContractDocument.RepositoryFile("src/Parley.Server/Demo/" + name)))!.AsObject();

    [Fact]
    public void the_demo_incident_reports_are_valid_incident_bodies()
    {
        var features = DemoFile("incidents.geojson")["features"]!.AsArray();
        Assert.NotEmpty(features);
        foreach (var feature in features)
        {
            Valid("IncidentFeature", feature!.ToJsonString());
        }
    }

    [Fact]
    public void the_demo_agreements_terms_are_valid_amendment_terms()
    {
        var terms = DemoFile("agreement.json")["terms"]!.AsArray();
        Assert.Contains(terms, t => (string?)t!["type"] == "designated-area");
        Assert.Contains(terms, t => (string?)t!["type"] == "limit");
        foreach (var term in terms)
        {
            Valid("Term", term!.ToJsonString());
        }
    }

    private const string Report = """
        {"type":"Feature","id":"inc-1","geometry":{"type":"Point","coordinates":[9.1,42.1]},
         "properties":{"kind":"strike","uncertainty_m":500,"start":"2026-12-02T08:10:00Z","end":"2026-12-02T08:40:00Z","suspected":["red"],
           "sources":[{"type":"observer","count":2,"sha256":["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]}]}}
        """;

    [Theory]
    [InlineData("\"suspected\"", "\"suspect\"")]
    [InlineData("\"strike\"", "\"bombing\"")]
    [InlineData("\"count\":2", "\"count\":0")]
    [InlineData("\"uncertainty_m\":500", "\"uncertainty_m\":300000")]
    [InlineData("\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"", "\"not-a-hash\"")]
    [InlineData("\"observer\"", "\"rumour\"")]
    [InlineData("\"inc-1\"", "\"inc\u2060-1\"")]
    [InlineData("\"start\":\"2026-12-02T08:10:00Z\"", "\"start\":\"2 December\"")]
    [InlineData("\"Point\"", "\"GeometryCollection\"")]
    public void an_incident_body_the_server_refuses_is_refused_by_the_document(string field, string replacement)
    {
        Valid("IncidentFeature", Report);
        Invalid("IncidentFeature", Report.Replace(field, replacement, StringComparison.Ordinal));
    }

    private const string Proposal = """
        {"reason":"red's air grounded over the east","signing_deadline":"2026-12-09T00:00:00Z","effective":"on_signature",
         "add_terms":[{"id":"red-air-grounded-east","type":"suspension","parties":["red"],"kinds":["flight","strike"],
           "area":{"type":"Polygon","coordinates":[[[13,40],[14,40],[14,41],[13,41],[13,40]]]}}]}
        """;

    [Theory]
    [InlineData("add_terms", "add_term")]
    [InlineData("\"effective\":\"on_signature\"", "\"effective\":\"tomorrow\"")]
    [InlineData("\"type\":\"suspension\"", "\"type\":\"ban\"")]
    [InlineData("\"type\":\"suspension\"", "\"type\":\"limit\"")]
    [InlineData("\"type\":\"suspension\"", "\"type\":\"designated-area\"")]
    [InlineData("\"parties\":[\"red\"]", "\"parties\":[]")]
    [InlineData("\"reason\":\"red's air grounded over the east\"", "\"reason\":\"\"")]
    public void an_amendment_the_server_refuses_is_refused_by_the_document(string field, string replacement)
    {
        Valid("AmendmentProposal", Proposal);
        Invalid("AmendmentProposal", Proposal.Replace(field, replacement, StringComparison.Ordinal));
    }

    [Fact]
    public void an_amendment_that_changes_nothing_is_refused_by_the_document()
    {
        Valid("AmendmentProposal", """{"reason":"tighter","signing_deadline":"2026-12-09T00:00:00Z","separation":{"lateral_m":900}}""");
        Invalid("AmendmentProposal", """{"reason":"nothing","signing_deadline":"2026-12-09T00:00:00Z","effective":"2026-12-10T00:00:00Z"}""");
    }

    [Fact]
    public void signatures_refusals_replies_and_grades_are_typed_as_the_server_reads_them()
    {
        Valid("AmendmentSignature", "{}");
        Invalid("AmendmentSignature", """{"ok":true}""");
        Valid("AmendmentRefusal", """{"reason":"too wide"}""");
        Invalid("AmendmentRefusal", "{}");
        Invalid("AmendmentRefusal", """{"reason":"too wide","by":"red"}""");
        Valid("ReplyRequest", """{"reply":"admit"}""");
        Valid("ReplyRequest", """{"reply":"explain","operation":"red-op-1"}""");
        Invalid("ReplyRequest", """{"reply":"deny"}""");
        Invalid("ReplyRequest", """{"reply":"explain"}""");
        Invalid("ReplyRequest", """{"reply":"shrug"}""");
        Valid("GradeRequest", """{"grade":"fair","reason":"two observers"}""");
        Invalid("GradeRequest", """{"grade":"confirmed","reason":"sure"}""");
        Invalid("GradeRequest", """{"grade":"fair"}""");
    }
}
