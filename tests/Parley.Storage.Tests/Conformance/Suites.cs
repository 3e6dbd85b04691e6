namespace Parley.Storage.Tests.Conformance;

// The same conformance suites, unchanged, against each backend. The PostgreSQL ones use the test run's throwaway
// PostgreSQL server, started for them: they run in the slow lane.

public sealed class SqliteStoreConformance() : StoreConformance(new SqliteBackend());

public sealed class SqliteLedgerConformance() : LedgerConformance(new SqliteBackend());

public sealed class SqliteSubmissionConformance() : SubmissionConformance(new SqliteBackend());

public sealed class SqliteProbingConformance() : ProbingConformance(new SqliteBackend());

public sealed class SqliteSubscriptionConformance() : SubscriptionConformance(new SqliteBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresStoreConformance() : StoreConformance(new PostgresBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresLedgerConformance() : LedgerConformance(new PostgresBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresSubmissionConformance() : SubmissionConformance(new PostgresBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresProbingConformance() : ProbingConformance(new PostgresBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresSubscriptionConformance() : SubscriptionConformance(new PostgresBackend());

public sealed class SqliteJournalConformance() : JournalConformance(new SqliteBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresJournalConformance() : JournalConformance(new PostgresBackend());

public sealed class SqliteAmendmentConformance() : AmendmentConformance(new SqliteBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresAmendmentConformance() : AmendmentConformance(new PostgresBackend());

public sealed class SqliteIncidentConformance() : IncidentConformance(new SqliteBackend());

[Trait("Lane", "Slow")]
public sealed class PostgresIncidentConformance() : IncidentConformance(new PostgresBackend());
