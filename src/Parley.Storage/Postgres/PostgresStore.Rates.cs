// Rates: the token buckets of request rate limits shared by every node. One row per bucket holds its tokens (fractions
// kept) and the latest time a caller passed; a take refills and takes in one statement, so concurrent takes serialise
// on the row and never hand out the same token twice.

using Npgsql;
using NpgsqlTypes;
using Parley.Core.Ports;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : IRateBucketStore
{
    /// <inheritdoc/>
    public async Task<TokenGrant> TakeTokensAsync(string bucket, int wanted, double perSecond, int capacity, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        await using var connection = await OpenAsync(cancellationToken);

        // refilled: the tokens now, never above capacity; the refill counts only time after the latest seen.
        const string Refilled = "LEAST(@capacity::float8, b.tokens + @rate * GREATEST(0, @now - b.updated_ticks) / 1e7)";
        await using var command = Command(connection, $"""
            INSERT INTO rate_buckets AS b (bucket, tokens, granted, updated_ticks)
            VALUES (@bucket, @capacity::float8 - LEAST(@wanted, @capacity), LEAST(@wanted, @capacity), @now)
            ON CONFLICT (bucket) DO UPDATE SET
                granted = LEAST(@wanted, floor({Refilled})::integer),
                tokens = {Refilled} - LEAST(@wanted, floor({Refilled})::integer),
                updated_ticks = GREATEST(b.updated_ticks, @now)
            RETURNING granted, tokens;
            """);
        Text(command, "bucket", bucket);
        command.Parameters.Add(new NpgsqlParameter<int>("wanted", wanted));
        command.Parameters.Add(new NpgsqlParameter<int>("capacity", capacity));
        command.Parameters.Add(new NpgsqlParameter("rate", NpgsqlDbType.Double) { Value = perSecond });
        Long(command, "now", now.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        int granted = reader.GetInt32(0);
        double left = reader.GetDouble(1);
        var next = left >= 1 ? TimeSpan.Zero
            : perSecond > 0 ? TimeSpan.FromSeconds((1 - left) / perSecond)
            : TimeSpan.MaxValue;
        return new TokenGrant(granted, next);
    }
}
