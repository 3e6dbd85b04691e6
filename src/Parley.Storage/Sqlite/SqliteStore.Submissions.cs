// Submissions: the nonces spent by accepted signed requests (one per agreement, party and nonce: a replayed nonce
// fails its whole commit) and the answers kept under idempotency keys (one per agreement, party and key; a newer
// answer replaces one older than the retention window), both written in the commit of the write they answer.

using Microsoft.Data.Sqlite;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : ISubmissionStore
{
    /// <summary>Spends the signed request's nonce and keeps the idempotent answer; a spent nonce or a used key fails the transaction.</summary>
    private static async Task RecordRequestAsync(
        WriterStatements statements, AgreementId agreement, Commit changes, CancellationToken cancellationToken)
    {
        if (changes.Submission is { } submission)
        {
            var nonce = statements.Command("""
                INSERT INTO nonces (agreement_id, party, nonce, timestamp_ticks) VALUES ($agreement, $party, $nonce, $ticks);
                """);
            nonce.Parameters.AddWithValue("$agreement", agreement.Value);
            nonce.Parameters.AddWithValue("$party", changes.Decision.Submitter.Value);
            nonce.Parameters.AddWithValue("$nonce", submission.Nonce);
            nonce.Parameters.AddWithValue("$ticks", submission.Timestamp.UtcTicks);
            await nonce.ExecuteNonQueryAsync(cancellationToken);
        }

        if (changes.Answer is { } answer)
        {
            // A key older than the retention window may be reused: the new answer replaces it.
            var keep = statements.Command("""
                INSERT INTO kept_answers (agreement_id, party, key, fingerprint, record, created_ticks)
                VALUES ($agreement, $party, $key, $fingerprint, $record, $created)
                ON CONFLICT (agreement_id, party, key) DO UPDATE SET fingerprint = excluded.fingerprint, record = excluded.record,
                    created_ticks = excluded.created_ticks;
                """);
            keep.Parameters.AddWithValue("$agreement", agreement.Value);
            keep.Parameters.AddWithValue("$party", answer.Party.Value);
            keep.Parameters.AddWithValue("$key", answer.Key);
            keep.Parameters.AddWithValue("$fingerprint", answer.Fingerprint);
            keep.Parameters.AddWithValue("$record", answer.Record);
            keep.Parameters.AddWithValue("$created", answer.Created.UtcTicks);
            await keep.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"SELECT {SubmissionRows.NonceColumns} FROM nonces WHERE agreement_id = $agreement AND timestamp_ticks >= $since;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, SubmissionRows.Nonce, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<KeptAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {SubmissionRows.AnswerColumns} FROM kept_answers
            WHERE agreement_id = $agreement AND party = $party AND key = $key AND created_ticks >= $notBefore;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$party", party.Value);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$notBefore", notBefore.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await SubmissionRows.ReadAnswerAsync(reader, party, key, cancellationToken);
    }
}
