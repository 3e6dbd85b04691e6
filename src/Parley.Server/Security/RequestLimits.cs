using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Parley.Core.Ports;
using Parley.Server.Api;
using Parley.Server.Configuration;
using Parley.Server.Http;

namespace Parley.Server.Security;

/// <summary>
/// Bounds on what one caller can make the server do: connection and header limits in Kestrel, a token bucket
/// per party, and a time limit per request. Every refusal the pipeline reaches is an RFC 9457 problem document.
/// </summary>
/// <remarks>
/// Refusals that Kestrel makes before any middleware runs (a request line or headers over their limits, a
/// malformed HTTP message, a client too slow to send its body) close the exchange without a body.
/// </remarks>
internal static class RequestLimits
{
    private const string ConnectionTokenKey = "parley.connection-aborted";

    /// <summary>Sets Kestrel's limits on connections, headers and bodies.</summary>
    public static void ApplyTo(KestrelServerLimits limits, ParleyServerOptions options)
    {
        limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestHeaderCount = 64;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, options.MinRequestBodyGracePeriod);
        limits.MinResponseDataRate = new MinDataRate(1024, TimeSpan.FromSeconds(10));
    }

    /// <summary>Registers the per-party rate limiter and the request time limit.</summary>
    public static IServiceCollection AddRequestLimits(this IServiceCollection services, ParleyServerOptions options)
    {
        services.AddSingleton(sp => new SharedRateBuckets(
            sp.GetRequiredService<IParleyStore>() is { IsShared: true } and IRateBucketStore shared ? shared : null, sp.GetRequiredService<TimeProvider>()));
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, (string Kind, string Agreement, string Party)>(http => Partition(http, options));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) => RejectAsync(context, options);
        });

        services.AddRequestTimeouts(o =>
        {
            if (options.RequestTimeout > TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
            {
                o.DefaultPolicy = new RequestTimeoutPolicy
                {
                    Timeout = options.RequestTimeout,
                    TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                    WriteTimeoutResponse = http =>
                    {
                        // As every 503 of the center: the caller may send the same request again after a pause.
                        http.Response.Headers.RetryAfter = Api.StoreUnavailable.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "timeout",
                            "The request took too long",
                            $"the request was not done within {options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s and was abandoned; nothing was changed; " +
                            $"retry after {Api.StoreUnavailable.RetryAfterSeconds} s")
                            .ExecuteAsync(http);
                    },
                };
            }
        });
        return services;
    }

    /// <summary>
    /// Adds the rate limiter and the time limit to the pipeline. Call after authentication, so that calls are
    /// counted per party, and before authorisation, so that calls with a bad token are counted per address.
    /// </summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) =>
        app.UseRateLimiter().Use((http, next) =>
        {
            http.Items[ConnectionTokenKey] = http.RequestAborted;
            return next(http);
        }).UseRequestTimeouts();

    /// <summary>
    /// Ends the time limit of a request whose write a batch has taken: the write is decided and committed whatever the
    /// limit does, so its answer, which tells what was done, is written however late, on the connection's own token.
    /// Cut by the limit, that answer became a 503 saying nothing was changed, or its connection was reset under it.
    /// </summary>
    public static void EndTimeLimit(HttpContext http)
    {
        http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        if (http.Items[ConnectionTokenKey] is CancellationToken connection)
        {
            http.RequestAborted = connection;
        }
    }

    private static RateLimitPartition<(string, string, string)> Partition(HttpContext http, ParleyServerOptions options)
    {
        if (options.RateLimitPerSecond <= 0 || http.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
        {
            return RateLimitPartition.GetNoLimiter(("exempt", "", ""));
        }

        // The token is verified by now: its agreement and subject name the party, whatever route it calls.
        var user = http.User;
        var key = user.Identity?.IsAuthenticated == true && user.FindFirstValue("agreement") is { } agreement && user.FindFirstValue("sub") is { } party
            ? ("party", agreement, party)
            : ("address", "", http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        int capacity = Math.Max(options.RateLimitBurst, options.RateLimitPerSecond);
        if (key.Item1 == "party" && http.RequestServices.GetService<SharedRateBuckets>() is { Store: { } shared } buckets)
        {
            // Nodes sharing a store draw on one bucket per party there (see SharedTokenBucket for the tolerance).
            return RateLimitPartition.Get(key, k => new SharedTokenBucket(shared, $"party\n{k.Item2}\n{k.Item3}", options.RateLimitPerSecond, capacity, buckets.Time));
        }

        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = capacity,
            TokensPerPeriod = options.RateLimitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>The store's shared token buckets when several nodes share the store (null: each node limits alone), and the clock.</summary>
    internal sealed record SharedRateBuckets(IRateBucketStore? Store, TimeProvider Time);

    private static async ValueTask RejectAsync(OnRejectedContext context, ParleyServerOptions options)
    {
        var http = context.HttpContext;
        int seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        Telemetry.ParleyTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "rate-limited"));
        await Problems.Problem(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
            $"more than {options.RateLimitPerSecond} requests per second (bursts of {options.RateLimitBurst}) from this caller; retry after {seconds} s")
            .ExecuteAsync(http);
    }
}
