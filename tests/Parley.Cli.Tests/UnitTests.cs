using System.Net;
using System.Text;
using Parley.Cli.Checking;
using Parley.Cli.Client;
using Parley.Core;
using Parley.Core.Agreements;

namespace Parley.Cli.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData("plain-id", "plain-id")]
    [InlineData("quote\"back\\slash", "quote\\\"back\\\\slash")]
    [InlineData("tab\tnew\nline", "tab\\tnew\\nline")]
    [InlineData("bell\u0007", "bell\\u0007")]
    [InlineData("zone-ü-🛰", "zone-ü-🛰")]
    public void Ids_are_written_as_json_string_contents(string id, string expected)
    {
        using var writer = new StringWriter();
        ConflictOutput.WriteEscaped(writer, id);
        Assert.Equal(expected, writer.ToString());
    }

    [Fact]
    public void A_lone_surrogate_is_escaped_rather_than_replaced()
    {
        using var writer = new StringWriter();
        ConflictOutput.WriteEscaped(writer, "lone" + (char)0xD800);
        Assert.Equal("lone\\ud800", writer.ToString());
    }

    [Fact]
    public void Json_lines_round_trip_through_a_json_parser()
    {
        using var writer = new StringWriter();
        ConflictOutput.WriteJsonLines(writer, [new("op \"1\"", "z\\1", null), new("a", null, "b")]);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.Equal("op \"1\"", first.RootElement.GetProperty("operation").GetString());
        Assert.Equal("z\\1", first.RootElement.GetProperty("zone").GetString());
        Assert.Equal("{\"operation\":\"a\",\"operation2\":\"b\"}", lines[1]);
    }

    private const string Hospital = """
        {"type":"Feature","id":"h1","geometry":{"type":"Point","coordinates":[10,10]},
         "properties":{"kind":"protected","owner":"blue","radius_m":100,"start":"2026-01-01T00:00:00Z"}}
        """;

    [Fact]
    public void A_collection_is_read_whatever_members_come_around_its_features()
    {
        byte[] json = Encoding.UTF8.GetBytes("{ \"bbox\": [1,2,3,4], \"features\": [ " + Hospital + " ], \"crs\": {\"a\": [1, {\"b\": 2}]}, \"type\": \"FeatureCollection\" }");

        var zone = Assert.Single(FeatureFile.ReadZones(json, Agreement.Default()));

        Assert.Equal("h1", zone.Id.Value);
    }

    [Fact]
    public void A_file_may_begin_with_a_byte_order_mark()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"type\":\"FeatureCollection\",\"features\":[" + Hospital + "]}")];

        Assert.Equal("h1", Assert.Single(FeatureFile.ReadZones(json, Agreement.Default())).Id.Value);
    }

    [Theory]
    [InlineData("""{ "type": "Feature", "features": [] }""", "id", "required: a string or number that identifies the feature")]
    [InlineData("""[1, 2]""", "$", "expected a GeoJSON Feature or FeatureCollection object")]
    [InlineData("""{ "type": "FeatureCollection" }""", "features", "a FeatureCollection needs a 'features' array")]
    [InlineData("""{ "type": "FeatureCollection", "features": [ {"a": [1, {"b": 2}]}, 7 ] }""", "features[0].type", "must be \"Feature\"")]
    public void Anything_but_a_collection_of_features_is_refused_as_the_core_reader_refuses_it(string json, string field, string message)
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureFile.ReadZones(Encoding.UTF8.GetBytes(json), Agreement.Default()));
        Assert.Equal(field, e.Errors[0].Field);
        Assert.Equal(message, e.Errors[0].Message);
    }

    [Theory]
    [InlineData("", "malformed JSON at line 1, byte 1: ")]
    [InlineData("{ \"type\": \"FeatureCollection\", \"features\": [] } trailing", "malformed JSON at line 1, byte 49: ")]
    [InlineData("{ \"features\": [ {] }", "malformed JSON at line 1, byte 18: ")]
    public void Malformed_json_is_refused_with_its_line_and_byte(string json, string start)
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureFile.ReadZones(Encoding.UTF8.GetBytes(json), Agreement.Default()));
        Assert.StartsWith(start, e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_problem_document_becomes_one_line_with_the_detail()
    {
        string body = """
            {"type":"https://parley.invalid/problems/invalid-input","title":"The input was refused","status":400,
             "detail":"feature 'z1': properties.end: must be after start",
             "errors":[{"feature":"z1","field":"properties.end","message":"must be after start"}]}
            """;

        var e = ParleyClient.Refusal(HttpStatusCode.BadRequest, body);

        Assert.Equal(2, e.ExitCode);
        Assert.Equal("the server refused the request: 400 The input was refused: feature 'z1': properties.end: must be after start", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_server_error_is_status_1_and_a_missing_body_still_gives_a_line()
    {
        var e = ParleyClient.Refusal(HttpStatusCode.InternalServerError, "");

        Assert.Equal(1, e.ExitCode);
        Assert.Equal("the server failed: 500 InternalServerError", e.Message);
    }
}
