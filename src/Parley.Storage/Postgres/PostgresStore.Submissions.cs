// Submissions: the nonces spent by accepted signed requests (one per agreement, party and nonce: a replayed nonce
// fails its whole commit) and the answers kept under idempotency keys (one per agreement, party and key; a newer
// answer replaces one older than the retention window), both written in the commit of the write they answer.

using Npgsql;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : ISubmissionStore
{
    /// <summary>Spends the signed requests' nonces, one statement for the batch; a spent nonce fails the transaction.</summary>
    private static void InsertNonces(NpgsqlBatch batch, AgreementId agreement, IReadOnlyList<Commit> changes)
    {
        var signed = changes.Where(c => c.Submission is not null).ToList();
        if (signed.Count == 0)
        {
            return;
        }

        var insert = Add(batch, """
            INSERT INTO nonces (agreement_id, party, nonce, timestamp_ticks)
            SELECT @agreement, * FROM unnest(@party::text[], @nonce::text[], @ticks::bigint[]);
            """);
        Text(insert, "agreement", agreement.Value);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("party", [.. signed.Select(c => c.Decision.Submitter.Value)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("nonce", [.. signed.Select(c => c.Submission!.Nonce)]));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("ticks", [.. signed.Select(c => c.Submission!.Timestamp.UtcTicks)]));
    }

    /// <summary>Keeps the answer given under an idempotency key, for the party's retries.</summary>
    private static void RecordAnswer(NpgsqlBatch batch, AgreementId agreement, Commit changes)
    {
        if (changes.Answer is { } answer)
        {
            // A key older than the retention window may be reused: the new answer replaces it.
            var keep = Add(batch, """
                INSERT INTO kept_answers (agreement_id, party, key, fingerprint, record, created_ticks)
                VALUES (@agreement, @party, @key, @fingerprint, @record, @created)
                ON CONFLICT (agreement_id, party, key) DO UPDATE SET fingerprint = excluded.fingerprint, record = excluded.record,
                    created_ticks = excluded.created_ticks;
                """);
            Text(keep, "agreement", agreement.Value);
            Text(keep, "party", answer.Party.Value);
            Text(keep, "key", answer.Key);
            Bytes(keep, "fingerprint", answer.Fingerprint);
            Bytes(keep, "record", answer.Record);
            Long(keep, "created", answer.Created.UtcTicks);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"SELECT {SubmissionRows.NonceColumns} FROM nonces WHERE agreement_id = @agreement AND timestamp_ticks >= @since;");
        Text(command, "agreement", agreement.Value);
        Long(command, "since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, SubmissionRows.Nonce, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<KeptAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {SubmissionRows.AnswerColumns} FROM kept_answers
            WHERE agreement_id = @agreement AND party = @party AND key = @key AND created_ticks >= @notBefore;
            """);
        Text(command, "agreement", agreement.Value);
        Text(command, "party", party.Value);
        Text(command, "key", key);
        Long(command, "notBefore", notBefore.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await SubmissionRows.ReadAnswerAsync(reader, party, key, cancellationToken);
    }
}
