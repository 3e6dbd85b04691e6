namespace Parley.Storage.Sqlite;

/// <summary>The SQLite schema as an ordered list of migrations; migration <c>n</c> takes a file from version n-1 to n.</summary>
/// <remarks>
/// A migration, once released, is never edited: files in the field were built by it. Change the schema by
/// appending a new one. Each runs inside the transaction that records its version, so a file is never left
/// half-migrated.
/// </remarks>
internal static class SqliteSchema
{
    internal const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER NOT NULL PRIMARY KEY,
            applied TEXT NOT NULL
        ) STRICT;
        """;

    internal static readonly IReadOnlyList<string> Migrations =
    [
        // 1: agreements, zones, operations. The columns beside feature_json are for queries and checks; the
        // feature text is what loads, so the two never disagree about a geometry. STRICT makes SQLite refuse
        // a value of the wrong type instead of silently storing it.
        """
        CREATE TABLE agreements (
            id TEXT NOT NULL PRIMARY KEY,
            source_json TEXT NOT NULL,
            updated TEXT NOT NULL
        ) STRICT;

        CREATE TABLE zones (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            owner TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('protected', 'restricted', 'designated')),
            version INTEGER NOT NULL CHECK (version >= 1),
            visibility TEXT NOT NULL CHECK (visibility IN ('private', 'parties', 'public')),
            min_x REAL NOT NULL,
            min_y REAL NOT NULL,
            max_x REAL NOT NULL,
            max_y REAL NOT NULL,
            buffer_m REAL NOT NULL CHECK (buffer_m >= 0),
            alt_min_m REAL,
            alt_max_m REAL,
            start_ticks INTEGER NOT NULL,
            end_ticks INTEGER NOT NULL,
            feature_json TEXT NOT NULL,
            PRIMARY KEY (agreement_id, id),
            CHECK (min_x <= max_x AND min_y <= max_y),
            CHECK (end_ticks > start_ticks)
        ) STRICT;

        CREATE INDEX zones_by_owner ON zones (agreement_id, owner);

        CREATE TABLE operations (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            owner TEXT NOT NULL,
            kind TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('proposed', 'accepted', 'awaiting-concurrence', 'concurred',
                'refused', 'expired', 'active', 'completed', 'cancelled')),
            version INTEGER NOT NULL CHECK (version >= 1),
            visibility TEXT NOT NULL CHECK (visibility IN ('private', 'parties', 'public')),
            min_x REAL NOT NULL,
            min_y REAL NOT NULL,
            max_x REAL NOT NULL,
            max_y REAL NOT NULL,
            buffer_m REAL NOT NULL CHECK (buffer_m >= 0),
            alt_min_m REAL,
            alt_max_m REAL,
            start_ticks INTEGER NOT NULL,
            end_ticks INTEGER NOT NULL,
            feature_json TEXT NOT NULL,
            PRIMARY KEY (agreement_id, id),
            CHECK (min_x <= max_x AND min_y <= max_y),
            CHECK (end_ticks > start_ticks)
        ) STRICT;

        CREATE INDEX operations_by_owner ON operations (agreement_id, owner);
        CREATE INDEX operations_by_state ON operations (agreement_id, state);
        """,

        // 2: the ledger. Entries are the exact bytes hashed for each leaf; openings are the salted plaintexts
        // behind an entry's commitments (center-only); checkpoints are the signed notes, one per tree size;
        // cosignatures are witnesses' signature lines on a checkpoint.
        """
        CREATE TABLE ledger_entries (
            agreement_id TEXT NOT NULL,
            idx INTEGER NOT NULL CHECK (idx >= 0),
            entry BLOB NOT NULL,
            PRIMARY KEY (agreement_id, idx)
        ) STRICT;

        CREATE TABLE ledger_openings (
            agreement_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            n INTEGER NOT NULL,
            opening BLOB NOT NULL,
            PRIMARY KEY (agreement_id, idx, n),
            FOREIGN KEY (agreement_id, idx) REFERENCES ledger_entries (agreement_id, idx)
        ) STRICT;

        CREATE TABLE checkpoints (
            agreement_id TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            note TEXT NOT NULL,
            PRIMARY KEY (agreement_id, size)
        ) STRICT;

        CREATE TABLE cosignatures (
            agreement_id TEXT NOT NULL,
            size INTEGER NOT NULL,
            signer TEXT NOT NULL,
            line TEXT NOT NULL,
            PRIMARY KEY (agreement_id, size, signer),
            FOREIGN KEY (agreement_id, size) REFERENCES checkpoints (agreement_id, size)
        ) STRICT;
        """,

        // 3: signed submissions. A nonce is spent by the write it signed, in the same transaction, so a replay
        // fails even across restarts and server processes; the signature itself is kept in the ledger. An
        // idempotency key keeps the answer given to the write it named, for the party's retries.
        """
        CREATE TABLE nonces (
            agreement_id TEXT NOT NULL,
            party TEXT NOT NULL,
            nonce TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            PRIMARY KEY (agreement_id, party, nonce)
        ) STRICT;

        CREATE TABLE idempotency_keys (
            agreement_id TEXT NOT NULL,
            party TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint BLOB NOT NULL,
            status INTEGER NOT NULL CHECK (status BETWEEN 100 AND 599),
            content_type TEXT,
            body BLOB NOT NULL,
            etag TEXT,
            location TEXT,
            created_ticks INTEGER NOT NULL,
            PRIMARY KEY (agreement_id, party, key)
        ) STRICT;
        """,

        // 4: probing and events. A touch is one check or submission whose answer carried a conflict with a
        // zone hidden from the requester, one row per (request, zone); the budget counts requests, the owners'
        // reports count rows. Events are each party's outbox, numbered per agreement in commit order. Times are
        // UTC ticks, so windows are integer ranges.
        """
        CREATE TABLE probing_touches (
            agreement_id TEXT NOT NULL,
            request TEXT NOT NULL,
            zone_id TEXT NOT NULL,
            time_ticks INTEGER NOT NULL,
            requester TEXT NOT NULL,
            zone_owner TEXT NOT NULL,
            small INTEGER NOT NULL CHECK (small IN (0, 1)),
            probe TEXT NOT NULL,
            PRIMARY KEY (agreement_id, request, zone_id)
        ) STRICT;

        CREATE INDEX probing_touches_by_time ON probing_touches (agreement_id, time_ticks);
        CREATE INDEX probing_touches_by_owner ON probing_touches (agreement_id, zone_owner, requester);

        CREATE TABLE events (
            agreement_id TEXT NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            recipient TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_ticks INTEGER NOT NULL,
            PRIMARY KEY (agreement_id, seq)
        ) STRICT;

        CREATE INDEX events_by_recipient ON events (agreement_id, recipient, seq);
        """,

        // 5: concurrence requests. One row per request, replaced as it closes; never deleted (the ledger keeps
        // the history, this is the current state). Open requests are found by deadline for expiry.
        """
        CREATE TABLE concurrence_requests (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            operation_id TEXT NOT NULL,
            operation_version INTEGER NOT NULL,
            submitter TEXT NOT NULL,
            affected TEXT NOT NULL,
            target_type TEXT NOT NULL CHECK (target_type IN ('zone', 'operation')),
            target_id TEXT NOT NULL,
            opened_ticks INTEGER NOT NULL,
            deadline_ticks INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'concurred', 'refused', 'counter-proposed', 'expired', 'withdrawn')),
            closed_ticks INTEGER,
            reason TEXT,
            counter_proposal TEXT,
            version INTEGER NOT NULL CHECK (version >= 1),
            PRIMARY KEY (agreement_id, id)
        ) STRICT;

        CREATE INDEX concurrence_requests_open ON concurrence_requests (agreement_id, state, deadline_ticks);
        """,

        // 6: subscriptions. The area is the GeoJSON geometry as written; kinds a JSON array of wire names; times UTC
        // ticks (no end: NULL). The webhook cursor is the last event sequence number its endpoint acknowledged; a new
        // subscription starts at the last event committed before it, so it is sent only what comes after.
        """
        CREATE TABLE subscriptions (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            party TEXT NOT NULL,
            area_json TEXT NOT NULL,
            start_ticks INTEGER NOT NULL,
            end_ticks INTEGER,
            kinds_json TEXT NOT NULL,
            webhook TEXT,
            created_ticks INTEGER NOT NULL,
            webhook_cursor INTEGER NOT NULL CHECK (webhook_cursor >= 0),
            PRIMARY KEY (agreement_id, id),
            CHECK (end_ticks IS NULL OR end_ticks > start_ticks)
        ) STRICT;

        CREATE INDEX subscriptions_by_party ON subscriptions (agreement_id, party);
        """,

        // 7: the commit journal. One row per commit of an agreement, numbered 1, 2, … (the head is the last); its
        // changes name what the commit wrote (ids, touches, nonces, the events' sequence numbers), so a process that
        // missed it can catch up without loading the whole state.
        """
        CREATE TABLE commits (
            agreement_id TEXT NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            changes TEXT NOT NULL,
            PRIMARY KEY (agreement_id, seq)
        ) STRICT, WITHOUT ROWID;
        """,

        // 8: leases, so that of several processes one does a job that must run once (webhook delivery).
        """
        CREATE TABLE leases (
            name TEXT NOT NULL PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_ticks INTEGER NOT NULL
        ) STRICT;
        """,

        // 9: lighter writes. Operations are only ever read by agreement, so the indexes by owner and by state cost every
        // write and served no read. Nonces and events are kept in their key's order (WITHOUT ROWID): one b-tree a row
        // rather than a table and an index of the same key.
        """
        DROP INDEX operations_by_owner;
        DROP INDEX operations_by_state;

        CREATE TABLE nonces_keyed (
            agreement_id TEXT NOT NULL,
            party TEXT NOT NULL,
            nonce TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            PRIMARY KEY (agreement_id, party, nonce)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO nonces_keyed (agreement_id, party, nonce, timestamp_ticks)
            SELECT agreement_id, party, nonce, timestamp_ticks FROM nonces;
        DROP TABLE nonces;
        ALTER TABLE nonces_keyed RENAME TO nonces;

        CREATE TABLE events_keyed (
            agreement_id TEXT NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            recipient TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_ticks INTEGER NOT NULL,
            PRIMARY KEY (agreement_id, seq)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO events_keyed (agreement_id, seq, recipient, type, payload, created_ticks)
            SELECT agreement_id, seq, recipient, type, payload, created_ticks FROM events;
        DROP TABLE events;
        ALTER TABLE events_keyed RENAME TO events;
        CREATE INDEX events_by_recipient ON events (agreement_id, recipient, seq);
        """,

        // 10: an answer kept for retries is one opaque record, written and read by the server alone (the store keeps
        // no HTTP). Rows of schema 9 become records of the server's format 1: a header of text lines, a blank line, the
        // body bytes.
        """
        CREATE TABLE kept_answers (
            agreement_id TEXT NOT NULL,
            party TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint BLOB NOT NULL,
            record BLOB NOT NULL,
            created_ticks INTEGER NOT NULL,
            PRIMARY KEY (agreement_id, party, key)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO kept_answers (agreement_id, party, key, fingerprint, record, created_ticks)
            SELECT agreement_id, party, key, fingerprint,
                -- || yields text: the bodies are UTF-8 JSON, so the text's bytes are the body's.
                CAST('parley-answer/1' || char(10) || 'status: ' || status || char(10)
                    || COALESCE('content-type: ' || content_type || char(10), '')
                    || COALESCE('etag: ' || etag || char(10), '')
                    || COALESCE('location: ' || location || char(10), '')
                    || char(10) || CAST(body AS TEXT) AS BLOB),
                created_ticks
            FROM idempotency_keys;
        DROP TABLE idempotency_keys;
        """,

        // 11: terms and amendments. A concurrence request may be about a term of the agreement (SQLite changes a CHECK
        // only by making the table anew). Amendments: one row each, the whole record as JSON text, replaced as it
        // changes; the state beside it for queries.
        """
        CREATE TABLE concurrence_requests_terms (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            operation_id TEXT NOT NULL,
            operation_version INTEGER NOT NULL,
            submitter TEXT NOT NULL,
            affected TEXT NOT NULL,
            target_type TEXT NOT NULL CHECK (target_type IN ('zone', 'operation', 'term')),
            target_id TEXT NOT NULL,
            opened_ticks INTEGER NOT NULL,
            deadline_ticks INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'concurred', 'refused', 'counter-proposed', 'expired', 'withdrawn')),
            closed_ticks INTEGER,
            reason TEXT,
            counter_proposal TEXT,
            version INTEGER NOT NULL CHECK (version >= 1),
            PRIMARY KEY (agreement_id, id)
        ) STRICT;
        INSERT INTO concurrence_requests_terms SELECT * FROM concurrence_requests;
        DROP TABLE concurrence_requests;
        ALTER TABLE concurrence_requests_terms RENAME TO concurrence_requests;
        CREATE INDEX concurrence_requests_open ON concurrence_requests (agreement_id, state, deadline_ticks);

        CREATE TABLE amendments (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('proposed', 'signed', 'in-force', 'lapsed')),
            proposed_ticks INTEGER NOT NULL,
            record TEXT NOT NULL,
            PRIMARY KEY (agreement_id, id)
        ) STRICT;
        """,

        // 12: incidents, each as one record (the report, the center's correlation, replies, grades, silences) that loads
        // whole; the columns beside it are for queries and checks.
        """
        CREATE TABLE incidents (
            agreement_id TEXT NOT NULL,
            id TEXT NOT NULL,
            reporter TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            reported_ticks INTEGER NOT NULL,
            deadline_ticks INTEGER NOT NULL,
            record_json TEXT NOT NULL,
            PRIMARY KEY (agreement_id, id)
        ) STRICT;
        """,

        // 13: start-up reads only the recent alerts: events by type and time.
        """
        CREATE INDEX events_by_type_time ON events (agreement_id, type, created_ticks);
        """,

        // 14: nonces in the order they are signed. A replay carries the timestamp its signature covers, so the key
        // (agreement, timestamp, party, nonce) refuses every replay as the key without the timestamp did; with the
        // time first, a batch's nonces land on the last page of the tree instead of one random page each.
        """
        CREATE TABLE nonces_by_time (
            agreement_id TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            party TEXT NOT NULL,
            nonce TEXT NOT NULL,
            PRIMARY KEY (agreement_id, timestamp_ticks, party, nonce)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO nonces_by_time (agreement_id, timestamp_ticks, party, nonce)
            SELECT agreement_id, timestamp_ticks, party, nonce FROM nonces;
        DROP TABLE nonces;
        ALTER TABLE nonces_by_time RENAME TO nonces;
        """,
    ];
}
