// Commit feed: a file has one writing process, so there are no other processes' commits to report.

using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : ICommitFeed
{
    /// <inheritdoc/>
    /// <remarks>One process writes a file at a time (the write takes SQLite's write lock up front), and a server owns its file.</remarks>
    public bool IsShared => false;

    /// <inheritdoc/>
    public Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken) => Task.CompletedTask;
}
