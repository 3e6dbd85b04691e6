using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Parley.Server.Tests;

/// <summary>Malformed and extreme bodies: each is refused with a 4xx problem naming the field, and nothing is stored.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const string Props = """{"kind":"protected","radius_m":50,"start":"2026-01-01T00:00:00Z"}""";
    private RunningServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string Point(string id, string coordinates, string props = Props) =>
        Json.Feature(id, $$"""{"type":"Point","coordinates":{{coordinates}}}""", props);

    private static string Ring(int positions)
    {
        var ring = new StringBuilder("[");
        for (int i = 0; i < positions - 1; i++)
        {
            double angle = 2 * Math.PI * i / (positions - 1);
            ring.Append(System.Globalization.CultureInfo.InvariantCulture, $"[{Math.Cos(angle):F6},{Math.Sin(angle):F6}],");
        }

        return ring.Append("[1.000000,0.000000]]").ToString();
    }

    public static TheoryData<string, string, string> HostileBodies() => new()
    {
        { "invalid UTF-8 in a string", Point("h-utf8", "[0,0]").Replace("h-utf8", "h-\uFFFF"), "$" },
        { "an overlong UTF-8 encoding", Point("h-overlong", "[0,0]", Props.Replace("protected", "pro\uFFFEtected")), "$" },
        { "huge longitude", Point("h-1", "[1e400,0]"), "geometry.coordinates" },
        { "huge negative latitude", Point("h-2", "[0,-1e400]"), "geometry.coordinates" },
        { "a 30-digit longitude", Point("h-3", "[123456789012345678901234567890,0]"), "geometry.coordinates" },
        { "a 30-digit altitude", Point("h-4", "[0,0]", Props.Replace("{", """{"alt_min_m":123456789012345678901234567890,""")), "properties.alt_min_m" },
        { "a huge radius", Point("h-5", "[0,0]", Props.Replace("50", "1e400")), "properties.radius_m" },
        { "a NaN literal", Point("h-6", "[NaN,0]"), "$" },
        { "an Infinity literal", Point("h-7", "[0,Infinity]"), "$" },
        { "a NaN string", Point("h-8", """["NaN",0]"""), "geometry.coordinates" },
        { "an Infinity string as altitude", Point("h-9", "[0,0]", Props.Replace("{", """{"alt_max_m":"Infinity",""")), "properties.alt_max_m" },
        { "a huge third coordinate", Point("h-10", "[0,0,1e400]"), "geometry.coordinates" },
        { "arrays nested 65 deep", Point("h-11", new string('[', 65) + new string(']', 65)), "$" },
        { "arrays nested 100,000 deep", new string('[', 100_000) + new string(']', 100_000), "$" },
        { "objects nested 65 deep", Point("h-12", "[0,0]", Props.Replace("{", """{"x":""" + string.Concat(Enumerable.Repeat("""{"a":""", 65)) + "1" + new string('}', 65) + ",")), "$" },
        { "a name of a million characters", Point("h-13", "[0,0]", Props.Replace("{", $$"""{"name":"{{new string('n', 1_000_000)}}",""")), "properties.name" },
        { "an id of 10,000 characters", Point(new string('i', 10_000), "[0,0]"), "id" },
        { "an empty body", "", "$" },
        { "whitespace only", "  \r\n\t ", "$" },
        { "a JSON array", "[1,2,3]", "$" },
        { "a JSON string", "\"Feature\"", "$" },
        { "JSON null", "null", "$" },
        { "an object that is not GeoJSON", """{"hello":"world"}""", "type" },
        { "a duplicate key", Point("h-14", "[0,0]").Replace("\"id\":\"h-14\"", "\"id\":\"h-14\",\"id\":\"h-15\""), "id" },
        { "a duplicate key in properties", Point("h-16", "[0,0]", Props.Replace("{", """{"owner":"red","owner":"blue",""")), "properties.owner" },
        { "a ring of 10,001 vertices (10,002 positions)", Json.Feature("h-17", $$"""{"type":"Polygon","coordinates":[{{Ring(10_002)}}]}""", Props.Replace("\"radius_m\":50,", "")), "geometry.coordinates" },
        { "10,001 features", """{"type":"FeatureCollection","features":[""" + string.Join(",", Enumerable.Repeat("{}", 10_001)) + "]}", "features" },
        { "a UTF-8 byte order mark", "\uFEFF" + Point("h-18", "[0,0]"), "$" },
        { "trailing garbage", Point("h-19", "[0,0]") + "}", "$" },
        { "a lone surrogate escape in a property name", Point("h-20", "[0,0]", Props.Replace("{", """{"\udc00":1,""")), "$" },
    };

    [Theory]
    [MemberData(nameof(HostileBodies), DisableDiscoveryEnumeration = true)]
    public async Task a_hostile_body_is_refused_with_a_400_problem_naming_the_field_and_nothing_is_stored(string what, string body, string field)
    {
        using var blue = _server.Client("blue");
        var before = await blue.GetStringAsync("/v1/agreements/demo/zones", Ct);

        var response = await blue.PostAsync("/v1/agreements/demo/zones", Content(Bytes(body), "application/geo+json"), Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.True(Problem.FirstField(problem) == field, $"{what}: expected field {field}, got {Problem.FirstField(problem)}: {problem}");
        Assert.True(problem.GetRawText().Length < 20_000, $"{what}: the problem echoes the input ({problem.GetRawText().Length} characters)");
        Assert.Equal(before, await blue.GetStringAsync("/v1/agreements/demo/zones", Ct));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData(null)]
    public async Task a_body_that_is_not_declared_as_utf8_json_is_refused_with_415(string? contentType)
    {
        using var blue = _server.Client("blue");
        foreach (var path in new[] { "/v1/agreements/demo/zones", "/v1/agreements/demo/operations", "/v1/agreements/demo/check" })
        {
            var response = await blue.PostAsync(path, Content(Bytes(Point("ct-1", "[0,0]")), contentType), Ct);
            await Problem.AssertAsync(response, 415);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/demo/zones/ct-1", Ct)).StatusCode);
    }

    [Fact]
    public async Task a_body_one_byte_over_the_limit_is_refused_with_a_413_problem()
    {
        using var blue = _server.Client("blue");
        var body = Encoding.UTF8.GetBytes(Point("big-1", "[0,0]", Props.Replace("{", "{\"name\":\"x\",")));
        var padded = new byte[(16 * 1024 * 1024) + 1];
        Array.Fill(padded, (byte)' ');
        body.CopyTo(padded, 0);

        // As a client sending megabytes should, it waits for the answer to Expect: 100-continue (however loaded the
        // machine: past the default second it would send the body and meet a closed connection) and the refusal
        // comes before the body.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) };
        using var patient = new HttpClient(handler) { BaseAddress = _server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/agreements/demo/zones") { Content = Content(padded, "application/geo+json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token("blue"));
        request.Headers.ExpectContinue = true;
        using (var key = Parley.Server.Security.DevelopmentKeys.For(_server.DataDirectory, "demo", "blue"))
        {
            await Parley.Server.Security.SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow, Ct);
        }

        var response = await patient.SendAsync(request, Ct);
        await Problem.AssertAsync(response, 413);

        // At the limit exactly, the same body is read.
        var response2 = await blue.PostAsync("/v1/agreements/demo/zones", Content(padded.AsSpan(0, padded.Length - 1).ToArray(), "application/geo+json"), Ct);
        Assert.Equal(HttpStatusCode.Created, response2.StatusCode);
    }

    [Fact]
    public async Task a_body_that_claims_a_billion_bytes_is_refused_with_413_before_it_is_sent()
    {
        // Unsigned on the client (a billion bytes are not read to sign them); the size is refused before the signature is looked at.
        // The client waits for the server's answer to Expect: 100-continue (however loaded the machine) before sending anything.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) };
        using var blue = new HttpClient(handler) { BaseAddress = _server.BaseAddress };
        blue.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token("blue"));
        blue.DefaultRequestHeaders.ExpectContinue = true;
        blue.DefaultRequestHeaders.Add(Parley.Server.Security.SignedRequests.SignatureHeader, Convert.ToBase64String(new byte[64]));
        blue.DefaultRequestHeaders.Add(Parley.Server.Security.SignedRequests.TimestampHeader, Parley.Server.Security.SignedRequests.Timestamp(DateTimeOffset.UtcNow));
        blue.DefaultRequestHeaders.Add(Parley.Server.Security.SignedRequests.NonceHeader, Parley.Server.Security.SignedRequests.NewNonce());
        using var content = new EndlessContent(1_000_000_000);
        var response = await blue.PostAsync("/v1/agreements/demo/zones", content, Ct);
        await Problem.AssertAsync(response, 413);
        Assert.Equal(0, content.Sent);
    }

    [Fact]
    public async Task a_put_whose_body_names_a_10000_character_id_is_refused()
    {
        using var blue = _server.Client("blue");
        var response = await blue.PutAsync("/v1/agreements/demo/zones/blue-school-2", Content(Bytes(Point(new string('x', 10_000), "[0,0]")), "application/geo+json"), Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.Equal("id", Problem.FirstField(problem));
    }

    // The markers U+FFFF and U+FFFE stand for bytes no UTF-8 text may hold: a stray 0xFF, and an overlong '/'.
    private static byte[] Bytes(string body)
    {
        var bytes = new List<byte>(body.Length);
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in body.EnumerateRunes())
        {
            if (rune.Value == 0xFFFF)
            {
                bytes.Add(0xFF);
            }
            else if (rune.Value == 0xFFFE)
            {
                bytes.AddRange([0xC0, 0xAF]);
            }
            else
            {
                bytes.AddRange(buffer[..rune.EncodeToUtf8(buffer)]);
            }
        }

        return [.. bytes];
    }

    private static ByteArrayContent Content(byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>A body that declares a length and sends spaces until the server stops reading.</summary>
    private sealed class EndlessContent : HttpContent
    {
        private readonly long _length;

        public EndlessContent(long length)
        {
            _length = length;
            Headers.ContentType = new MediaTypeHeaderValue("application/geo+json");
            Headers.ContentLength = length;
        }

        public long Sent { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            while (Sent < _length)
            {
                int n = (int)Math.Min(chunk.Length, _length - Sent);
                await stream.WriteAsync(chunk.AsMemory(0, n), cancellationToken);
                Sent += n;
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
