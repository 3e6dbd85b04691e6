using Parley.Server.Security;
using Parley.Server.Tests.Contract.Generated;

namespace Parley.Server.Tests.Contract;

/// <summary>
/// A party that knows only the OpenAPI document: its client is generated from docs/openapi.json by NSwag at build time
/// (see the project file), and talks to a live server over HTTP, its writes signed by the project's signing handler.
/// </summary>
public sealed class GeneratedClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ZoneDeclaration RestrictedZone(string id) => new()
    {
        Type = "Feature",
        Id = id,
        Geometry = new Footprint
        {
            Type = FootprintType.Polygon,
            Coordinates = [new[] { new[] { 30.0, 0.0 }, new[] { 30.2, 0.0 }, new[] { 30.2, 0.2 }, new[] { 30.0, 0.2 }, new[] { 30.0, 0.0 } }],
        },
        Properties = new ZoneProperties
        {
            Kind = ZonePropertiesKind.Restricted,
            Name = "Generated-client airspace",
            Alt_min_m = 0,
            Alt_max_m = 5000,
            Start = DateTimeOffset.Parse("2027-02-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            Visibility = VolumePropertiesVisibility.Public,
        },
    };

    private static OperationFeature Flight(string id) => new()
    {
        Type = "Feature",
        Id = id,
        Geometry = new Footprint { Type = FootprintType.Point, Coordinates = [30.1, 0.1] },
        Properties = new OperationProperties
        {
            Kind = "flight",
            Radius_m = 2000,
            Alt_min_m = 1000,
            Alt_max_m = 2000,
            Start = DateTimeOffset.Parse("2027-02-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            End = DateTimeOffset.Parse("2027-02-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    [Fact]
    public async Task a_client_generated_from_the_document_declares_a_zone_and_submits_an_operation()
    {
        await using var server = await RunningServer.StartAsync();
        using var blueHttp = server.Client("blue");
        using var redHttp = server.Client("red");
        var blue = new ParleyClient(blueHttp);
        var red = new ParleyClient(redHttp);

        var declared = await blue.ZonesPOSTAsync("demo", RestrictedZone("gen-airspace"), idempotency_Key: "gen-declare-1", cancellationToken: Ct);
        Assert.Single(declared.Accepted);

        var submitted = await red.OperationsPOSTAsync("demo", Flight("gen-flight"), cancellationToken: Ct);
        Assert.Equal("gen-flight", submitted.Id);
        Assert.Equal("awaiting-concurrence", submitted.State);
        var conflict = Assert.Single(submitted.Conflicts);
        Assert.Equal("gen-airspace", conflict.Id);
        Assert.Equal("blue", conflict.Owner);

        // The same operation again is refused as the document says: a problem document with its status.
        var refused = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => red.OperationsPOSTAsync("demo", Flight("gen-flight"), cancellationToken: Ct));
        Assert.Equal(409, refused.StatusCode);
        Assert.Equal(409, refused.Result.Status);

        // Blue's approver reads the request it is asked, as typed by the document: red's private flight only as a handle.
        using var approverHttp = server.Client("blue", Roles.Approver);
        var requests = await new ParleyClient(approverHttp).RequestsAsync("demo", state: State.Open, role: Role.Affected, cancellationToken: Ct);
        var asked = Assert.Single(requests.Requests, r => r.Target_id == "gen-airspace");
        Assert.Null(asked.Operation);
        Assert.False(string.IsNullOrEmpty(asked.Operation_handle));
        Assert.Equal("red", asked.Submitter);
    }

    [Fact]
    public async Task an_unsigned_write_from_the_generated_client_is_refused_with_the_documented_problem()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.Client("blue", sign: false);
        var e = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() =>
            new ParleyClient(http).ZonesPOSTAsync("demo", RestrictedZone("gen-unsigned"), cancellationToken: Ct));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains(e.Result.Errors, x => x.Field == SignedRequests.SignatureHeader);
    }
}
