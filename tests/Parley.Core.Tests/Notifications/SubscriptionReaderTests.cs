using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Notifications;

namespace Parley.Core.Tests.Notifications;

/// <summary>Subscription requests: what is read, and every refusal naming its field.</summary>
public sealed class SubscriptionReaderTests
{
    private const string Box = """{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}""";
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static Subscription Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return SubscriptionReader.Read(document.RootElement, Agreement.Default(), new SubscriptionId("s1"), new PartyId("blue"), Now);
    }

    [Fact]
    public void a_full_request_reads_into_a_subscription_of_the_caller()
    {
        var s = Read($$"""{"area":{{Box}},"start":"2026-05-01T06:00:00+02:00","end":"2026-05-02T00:00:00Z","kinds":["strike","protected"],"webhook":"https://hooks.example/p?q=1"}""");
        Assert.Equal(new PartyId("blue"), s.Party);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 4, 0, 0, TimeSpan.Zero), s.Window.Start);
        Assert.Equal(["strike", "protected"], s.Kinds);
        Assert.Equal("https://hooks.example/p?q=1", s.Webhook!.OriginalString);
        Assert.Equal(Now, s.Created);
        Assert.True(s.Covers("strike") && !s.Covers("flight"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://localhost:8080/")]
    public void plain_http_is_accepted_to_a_loopback_host(string webhook)
    {
        Assert.NotNull(Read($$"""{"area":{{Box}},"start":"2026-05-01T00:00:00Z","end":null,"kinds":[],"webhook":"{{webhook}}"}""").Webhook);
    }

    [Theory]
    [InlineData("""{"start":"2026-05-01T00:00:00Z"}""", "area")]
    [InlineData("""{"area":{"type":"Point","coordinates":[10,10]},"start":"2026-05-01T00:00:00Z"}""", "area.type")]
    [InlineData("""{"area":[1,2],"start":"2026-05-01T00:00:00Z"}""", "area")]
    [InlineData("""{"area":{"type":"Polygon","coordinates":[[[10,10],[11,11],[11,10],[10,11],[10,10]]]},"start":"2026-05-01T00:00:00Z"}""", "area.coordinates[0]")]
    [InlineData("""{"area":{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,95],[10,10]]]},"start":"2026-05-01T00:00:00Z"}""", "area.coordinates[0][2]")]
    [InlineData("""{"area":BOX}""", "start")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00"}""", "start")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","end":"2026-05-01T00:00:00Z"}""", "end")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","kinds":"strike"}""", "kinds")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","kinds":["strike","bombing"]}""", "kinds[1]")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","kinds":["strike","strike"]}""", "kinds[1]")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","webhook":"http://hooks.example/"}""", "webhook")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","webhook":"ftp://127.0.0.1/"}""", "webhook")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","webhook":"/relative"}""", "webhook")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","webhook":"https://user:secret@hooks.example/"}""", "webhook")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","webhook":42}""", "webhook")]
    [InlineData("""{"area":BOX,"start":"2026-05-01T00:00:00Z","colour":"red"}""", "colour")]
    [InlineData("""[]""", "$")]
    public void a_bad_request_is_refused_naming_the_field(string json, string field)
    {
        var e = Assert.Throws<InputRejectedException>(() => Read(json.Replace("BOX", Box, StringComparison.Ordinal)));
        Assert.Equal(field, e.Errors[0].Field);
    }
}
