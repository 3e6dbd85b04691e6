using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>
/// Recognises failures of the store that pass on their own — the database is down, restarting, unreachable, out of
/// connections, read-only during a failover, or busy — and answers them 503 with <c>Retry-After</c> instead of 500.
/// </summary>
/// <remarks>
/// The answer names no host, database, statement or party: only that the center's database could not serve the
/// request. A write that failed this way may or may not have been committed (the connection can drop after the
/// database committed, before it said so): the client learns which by retrying with the same <c>Idempotency-Key</c>.
/// </remarks>
internal static class StoreUnavailable
{
    /// <summary>The wait suggested to clients, in seconds: long enough for a restart or failover to make progress.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>Whether <paramref name="exception"/>, or an exception it wraps, is a transient failure of the store.</summary>
    public static bool IsTransient(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsTransient);
                case PostgresException postgres:
                    return IsTransientSqlState(postgres.SqlState);
                case NpgsqlException npgsql when npgsql.InnerException is IOException or SocketException or TimeoutException || npgsql.IsTransient:
                    // Refused or reset connections, a connection broken mid-statement, a timeout while connecting or an
                    // exhausted pool: Npgsql wraps the cause.
                    return true;
                case SqliteException sqlite:
                    return IsTransientSqlite(sqlite.SqliteErrorCode);
                default:
                    continue;
            }
        }

        return false;
    }

    /// <summary>
    /// PostgreSQL error codes that say the server cannot serve now rather than that the request is wrong: connection
    /// exceptions (class 08), shutdown and start-up (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
    /// now), too many connections (53300), and a read-only transaction (25006: a standby, or a primary being demoted).
    /// </summary>
    public static bool IsTransientSqlState(string? sqlState) => sqlState switch
    {
        null => false,
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => true,
        "57P01" or "57P02" or "57P03" or "53300" or "25006" => true,
        _ => false,
    };

    // SQLITE_BUSY, SQLITE_LOCKED (another writer holds the file past the busy timeout), SQLITE_IOERR, SQLITE_FULL.
    private static bool IsTransientSqlite(int code) => (code & 0xFF) is 5 or 6 or 10 or 13;

    /// <summary>The 503 answer: <c>Retry-After</c> and a problem document that gives nothing of the store away.</summary>
    public static IResult Problem(HttpResponse response)
    {
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "store-unavailable", "The center's database is unavailable",
            $"the request could not be served because the center's database is unreachable or busy; retry after {RetryAfterSeconds} s " +
            "(a write with the same Idempotency-Key, which answers once whether or not it was committed)");
    }
}

/// <summary>Answers a transient store failure that reached the exception handler with 503 and <c>Retry-After</c>.</summary>
internal sealed class StoreUnavailableHandler(ILogger<StoreUnavailableHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!StoreUnavailable.IsTransient(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        Telemetry.ParleyTelemetry.StoreErrors.Add(1, new KeyValuePair<string, object?>("operation", "request"));

        // The type and SQL state only: messages may name hosts, and never belong in a party's answer.
        log.LogWarning("the store is unavailable: {Reason} {SqlState}", exception.GetType().Name,
            (exception as PostgresException ?? exception.InnerException as PostgresException)?.SqlState);
        await StoreUnavailable.Problem(httpContext.Response).ExecuteAsync(httpContext);
        return true;
    }
}
