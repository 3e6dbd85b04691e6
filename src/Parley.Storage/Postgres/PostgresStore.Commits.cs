// Commit feed: several processes share the database. Every commit notifies a channel with its head and agreement, which
// PostgreSQL delivers to listeners only once the commit has landed; a listener that lost its connection reports that
// it may have missed some.

using Npgsql;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : ICommitFeed
{
    /// <inheritdoc/>
    /// <remarks>Several server processes may share one database: each catches up from the commit journal.</remarks>
    public bool IsShared => true;

    /// <summary>The channel every commit notifies (with its agreement id), so other nodes wake their event streams.</summary>
    public const string CommitChannel = "parley_commits";

    /// <inheritdoc/>
    /// <remarks>
    /// LISTENs on <see cref="CommitChannel"/>; every commit notifies it when it lands. A lost connection is opened
    /// again (every second until the database answers), then reported with null, as notifications may have been missed.
    /// </remarks>
    public async Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(committed);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken);
                connection.Notification += (_, e) =>
                {
                    int space = e.Payload.IndexOf(' ', StringComparison.Ordinal);
                    if (space > 0 && long.TryParse(e.Payload.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture, out long head))
                    {
                        committed((new AgreementId(e.Payload[(space + 1)..]), head));
                    }
                };
                await using (var listen = Command(connection, $"LISTEN {CommitChannel};"))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                committed(null);
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Adds to the batch the notification of commit <paramref name="seq"/>.</summary>
    private static void Notify(NpgsqlBatch batch, AgreementId agreement, long seq)
    {
        // Delivered to listeners on commit only: other nodes wake their event streams and webhooks.
        var notify = Add(batch, "SELECT pg_notify(@channel, @payload);");
        Text(notify, "channel", CommitChannel);
        Text(notify, "payload", $"{seq} {agreement.Value}");
    }
}
