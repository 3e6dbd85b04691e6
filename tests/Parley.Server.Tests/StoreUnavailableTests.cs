using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;
using Parley.Server.Api;

namespace Parley.Server.Tests;

/// <summary>Which store failures are answered 503 with Retry-After (they pass on their own) and which stay 500.</summary>
public sealed class StoreUnavailableTests
{
    [Theory]
    [InlineData("08006")] // connection failure
    [InlineData("08001")] // unable to establish a connection
    [InlineData("57P01")] // admin shutdown
    [InlineData("57P02")] // crash shutdown
    [InlineData("57P03")] // cannot connect now (starting up, recovering)
    [InlineData("53300")] // too many connections
    [InlineData("25006")] // read-only transaction: a standby, or a demoted primary
    public void a_postgres_error_saying_the_server_cannot_serve_now_is_transient(string sqlState)
    {
        Assert.True(StoreUnavailable.IsTransient(new PostgresException("down", "FATAL", "FATAL", sqlState)));
    }

    [Theory]
    [InlineData("23505")] // unique violation
    [InlineData("42P01")] // undefined table
    [InlineData("22P02")] // invalid text representation
    public void a_postgres_error_about_the_request_or_the_schema_is_not(string sqlState)
    {
        Assert.False(StoreUnavailable.IsTransient(new PostgresException("wrong", "ERROR", "ERROR", sqlState)));
    }

    [Fact]
    public void a_refused_broken_or_timed_out_connection_is_transient_even_when_wrapped()
    {
        Assert.True(StoreUnavailable.IsTransient(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(StoreUnavailable.IsTransient(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.True(StoreUnavailable.IsTransient(new NpgsqlException("The operation has timed out", new TimeoutException())));
        Assert.True(StoreUnavailable.IsTransient(new InvalidOperationException("load failed",
            new NpgsqlException("Exception while writing to stream", new IOException()))));
        Assert.True(StoreUnavailable.IsTransient(new AggregateException(new PostgresException("down", "FATAL", "FATAL", "57P01"))));
    }

    [Fact]
    public void a_busy_locked_failing_or_full_sqlite_file_is_transient_and_a_constraint_is_not()
    {
        Assert.True(StoreUnavailable.IsTransient(new SqliteException("database is locked", 5)));
        Assert.True(StoreUnavailable.IsTransient(new SqliteException("database table is locked", 6)));
        Assert.True(StoreUnavailable.IsTransient(new SqliteException("disk I/O error", 10)));
        Assert.True(StoreUnavailable.IsTransient(new SqliteException("database or disk is full", 13)));
        Assert.False(StoreUnavailable.IsTransient(new SqliteException("UNIQUE constraint failed", 19)));
    }

    [Fact]
    public void other_failures_stay_server_errors()
    {
        Assert.False(StoreUnavailable.IsTransient(new InvalidOperationException("ledger entry 3 is not the next one (4)")));
        Assert.False(StoreUnavailable.IsTransient(new IOException("not from a store")));
        Assert.False(StoreUnavailable.IsTransient(new NpgsqlException("some protocol error")));
    }
}
