using System.Net;
using System.Text;
using Parley.Cli.Checking;
using Parley.Cli.Client;
using Parley.Core;

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

    [Fact]
    public void The_feature_scan_finds_each_feature_of_a_collection_and_skips_other_members()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{ "bbox": [1,2,3,4], "features": [ {"a": [1, {"b": 2}]}, 7 ], "type": "FeatureCollection" }""");

        var slices = FeatureFile.FindFeatures(json);

        Assert.NotNull(slices);
        Assert.Equal(["{\"a\": [1, {\"b\": 2}]}", "7"], slices.Select(s => Encoding.UTF8.GetString(json, s.Start, s.Length)));
    }

    [Theory]
    [InlineData("""{ "type": "Feature", "features": [] }""")]
    [InlineData("""[1, 2]""")]
    [InlineData("""{ "type": "FeatureCollection" }""")]
    public void Anything_but_a_feature_collection_is_left_to_the_core_reader(string json) =>
        Assert.Null(FeatureFile.FindFeatures(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("")]
    [InlineData("{ \"type\": \"FeatureCollection\", \"features\": [] } trailing")]
    [InlineData("{ \"features\": [ {] }")]
    public void Malformed_json_is_refused_by_the_scan(string json)
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureFile.FindFeatures(Encoding.UTF8.GetBytes(json)));
        Assert.StartsWith("malformed JSON", e.Errors[0].Message, StringComparison.Ordinal);
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
