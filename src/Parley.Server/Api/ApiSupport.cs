using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Core;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>Plumbing shared by the endpoint groups.</summary>
internal static class ApiSupport
{
    /// <summary>Reads the request body whole (as verified by the signature, when there is one); Kestrel enforces the size limit.</summary>
    /// <exception cref="BadHttpRequestException">415 when the body is not declared as JSON in UTF-8.</exception>
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken) =>
        FeatureReader.ParseJson(await ReadBodyAsync(request, cancellationToken));

    /// <summary>
    /// The zones of the request body, read straight from its bytes (<see cref="StreamingFeatureReader"/>: no document
    /// tree), with the refusals and errors of <see cref="FeatureReader"/>; more than <paramref name="maxFeatures"/>
    /// features are refused before any is validated.
    /// </summary>
    /// <remarks>
    /// The reading observes the request's time limit and charges the party's validation budget
    /// (<see cref="Parley.Server.Security.ValidationBudgets"/>); <paramref name="single"/>: the route takes one Feature,
    /// and a FeatureCollection is refused before any feature is read.
    /// </remarks>
    public static async Task<IReadOnlyList<Zone>> ReadZonesAsync(HttpRequest request, Parley.Server.Security.Caller caller, int maxFeatures, CancellationToken cancellationToken,
        bool single = false)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        RequireSingle(body, single);
        return await Budgets(request).ReadAsync(caller, body.Length,
            guard => StreamingFeatureReader.ReadZones(body, caller.Agreement, caller.Party, maxFeatures: maxFeatures, guard: guard), cancellationToken);
    }

    /// <summary>The one operation (a Feature) of the request body, as <see cref="ReadZonesAsync"/> reads zones; a FeatureCollection is refused unread.</summary>
    public static async Task<IReadOnlyList<Operation>> ReadOperationsAsync(HttpRequest request, Parley.Server.Security.Caller caller, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        RequireSingle(body, single: true);
        return await Budgets(request).ReadAsync(caller, body.Length,
            guard => StreamingFeatureReader.ReadOperations(body, caller.Agreement, caller.Party, guard: guard), cancellationToken);
    }

    private static Parley.Server.Security.ValidationBudgets Budgets(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<Parley.Server.Security.ValidationBudgets>();

    private static void RequireSingle(ReadOnlyMemory<byte> body, bool single)
    {
        if (single && StreamingFeatureReader.PeekType(body.Span) == "FeatureCollection")
        {
            throw new InputRejectedException(new InputError(null, "type", "this route takes one Feature: a FeatureCollection is refused unread"));
        }
    }

    /// <summary>The request body's bytes (as verified by the signature, when there is one), refused when not JSON or empty.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJsonContentType(request.ContentType))
        {
            throw new BadHttpRequestException(
                "Content-Type must be application/geo+json or application/json (UTF-8)", StatusCodes.Status415UnsupportedMediaType);
        }

        if (Parley.Server.Security.SubmissionFilter.GetVerifiedBody(request.HttpContext) is { } verified)
        {
            return verified.Length == 0
                ? throw new InputRejectedException(new InputError(null, "$", "the request body is empty: expected GeoJSON"))
                : verified;
        }

        using var buffer = await RequestBodies.ReadAllAsync(request, cancellationToken);
        if (buffer.Length == 0)
        {
            throw new InputRejectedException(new InputError(null, "$", "the request body is empty: expected GeoJSON"));
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static bool IsJsonContentType(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        (media.MediaType.Equals("application/geo+json", StringComparison.OrdinalIgnoreCase) ||
         media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)) &&
        (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    public static JsonElement ToElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement Feature(Zone zone) => ToElement(FeatureWriter.ToJson(zone));

    public static JsonElement Feature(Operation operation) => ToElement(FeatureWriter.ToJson(operation));

    public static string ETag(long version) => Parley.Server.Writes.Answer.ETag(version);

    /// <summary>Maps domain and input refusals thrown by a handler to problem documents.</summary>
    public static TBuilder WithDomainErrors<TBuilder>(this TBuilder group)
        where TBuilder : IEndpointConventionBuilder
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (InputRejectedException e)
            {
                return Problems.Invalid(e);
            }
            catch (DomainException e)
            {
                return Problems.Domain(e);
            }
            catch (Parley.Core.Terms.TermBreachException e)
            {
                return Problems.TermBreach(e);
            }
            catch (Parley.Server.Security.ValidationBudgetSpentException e)
            {
                Parley.Server.Telemetry.ParleyTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "validation-budget"));
                context.HttpContext.Response.Headers.RetryAfter = ((int)e.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Problem(StatusCodes.Status429TooManyRequests, "validation-budget", "Too much validation work", e.Message);
            }
            catch (BadHttpRequestException e)
            {
                return e.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => Problems.Problem(e.StatusCode, "too-large", "The request body is too large", e.Message),
                    StatusCodes.Status415UnsupportedMediaType => Problems.Problem(e.StatusCode, "unsupported-media-type", "The body is not JSON", e.Message),
                    StatusCodes.Status408RequestTimeout => Problems.BodyTooSlow(context.HttpContext.RequestServices.GetRequiredService<Parley.Server.Configuration.ParleyServerOptions>()),
                    _ => Problems.Problem(e.StatusCode, "bad-request", "The request could not be read", e.Message),
                };
            }
        });
        return group;
    }

    public static JsonHttpResult<T> Json<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, Wire<T>(), statusCode: status);

    /// <summary>A write's answer as data: <paramref name="value"/> as JSON, with the version it leaves and where it is.</summary>
    public static Parley.Server.Writes.Answer.Content Answer<T>(T value, int status = StatusCodes.Status200OK, long? version = null, string? location = null) =>
        Parley.Server.Writes.Answer.Json(value, Wire<T>(), status, version, location);

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> Wire<T>() =>
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)WireJson.Default.GetTypeInfo(typeof(T))!;
}
