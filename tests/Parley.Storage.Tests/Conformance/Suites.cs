namespace Parley.Storage.Tests.Conformance;

// The same conformance suites, unchanged, against each backend.

public sealed class SqliteStoreConformance() : StoreConformance(new SqliteBackend());

public sealed class SqliteLedgerConformance() : LedgerConformance(new SqliteBackend());

public sealed class SqliteSubmissionConformance() : SubmissionConformance(new SqliteBackend());

public sealed class SqliteProbingConformance() : ProbingConformance(new SqliteBackend());

public sealed class SqliteSubscriptionConformance() : SubscriptionConformance(new SqliteBackend());

public sealed class PostgresStoreConformance() : StoreConformance(new PostgresBackend());

public sealed class PostgresLedgerConformance() : LedgerConformance(new PostgresBackend());

public sealed class PostgresSubmissionConformance() : SubmissionConformance(new PostgresBackend());

public sealed class PostgresProbingConformance() : ProbingConformance(new PostgresBackend());

public sealed class PostgresSubscriptionConformance() : SubscriptionConformance(new PostgresBackend());

public sealed class SqliteJournalConformance() : JournalConformance(new SqliteBackend());

public sealed class PostgresJournalConformance() : JournalConformance(new PostgresBackend());

public sealed class SqliteAmendmentConformance() : AmendmentConformance(new SqliteBackend());

public sealed class PostgresAmendmentConformance() : AmendmentConformance(new PostgresBackend());
