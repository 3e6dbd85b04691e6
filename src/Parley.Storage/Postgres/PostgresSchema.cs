namespace Parley.Storage.Postgres;

/// <summary>The PostgreSQL schema as an ordered list of migrations; migration <c>n</c> takes a database from version n-1 to n.</summary>
/// <remarks>
/// A migration, once released, is never edited: databases in the field were built by it. Change the schema by
/// appending a new one. Each runs in its own transaction, with the row that records its version, under an advisory
/// lock, so a database is never left half-migrated and two processes starting together migrate it once.
/// The tables mirror the SQLite schema (<c>SqliteSchema</c>) migration for migration; times are UTC ticks, as there,
/// with ranges and envelopes beside them for the GiST indexes.
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>The advisory lock key that serialises migrations across processes.</summary>
    internal const long MigrationLock = 0x5061726C6579; // "Parley"

    internal const string CreateVersionTable = """
        CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE IF NOT EXISTS schema_version (
            version integer NOT NULL PRIMARY KEY,
            applied timestamptz NOT NULL
        );
        """;

    internal static readonly IReadOnlyList<string> Migrations =
    [
        // 1: agreements, zones, operations. The feature text is what loads; the columns beside it are for queries
        // and checks. The envelope of the footprint (its bounds, buffer included) and the time range are generated
        // from those columns and GiST-indexed for conflict queries.
        """
        CREATE TABLE agreements (
            id text NOT NULL PRIMARY KEY,
            source_json text NOT NULL,
            updated timestamptz NOT NULL
        );

        CREATE TABLE zones (
            agreement_id text NOT NULL,
            id text NOT NULL,
            owner text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('protected', 'restricted', 'designated')),
            version bigint NOT NULL CHECK (version >= 1),
            visibility text NOT NULL CHECK (visibility IN ('private', 'parties', 'public')),
            min_x double precision NOT NULL,
            min_y double precision NOT NULL,
            max_x double precision NOT NULL,
            max_y double precision NOT NULL,
            buffer_m double precision NOT NULL CHECK (buffer_m >= 0),
            alt_min_m double precision,
            alt_max_m double precision,
            start_ticks bigint NOT NULL,
            end_ticks bigint NOT NULL,
            feature_json text NOT NULL,
            envelope geometry GENERATED ALWAYS AS (ST_MakeEnvelope(min_x, min_y, max_x, max_y, 4326)) STORED,
            during int8range GENERATED ALWAYS AS (int8range(start_ticks, end_ticks)) STORED,
            PRIMARY KEY (agreement_id, id),
            CHECK (min_x <= max_x AND min_y <= max_y),
            CHECK (end_ticks > start_ticks)
        );

        CREATE INDEX zones_by_owner ON zones (agreement_id, owner);
        CREATE INDEX zones_by_envelope ON zones USING gist (envelope);
        CREATE INDEX zones_by_time ON zones USING gist (during);

        CREATE TABLE operations (
            agreement_id text NOT NULL,
            id text NOT NULL,
            owner text NOT NULL,
            kind text NOT NULL,
            state text NOT NULL CHECK (state IN ('proposed', 'accepted', 'awaiting-concurrence', 'concurred',
                'refused', 'expired', 'active', 'completed', 'cancelled')),
            version bigint NOT NULL CHECK (version >= 1),
            visibility text NOT NULL CHECK (visibility IN ('private', 'parties', 'public')),
            min_x double precision NOT NULL,
            min_y double precision NOT NULL,
            max_x double precision NOT NULL,
            max_y double precision NOT NULL,
            buffer_m double precision NOT NULL CHECK (buffer_m >= 0),
            alt_min_m double precision,
            alt_max_m double precision,
            start_ticks bigint NOT NULL,
            end_ticks bigint NOT NULL,
            feature_json text NOT NULL,
            envelope geometry GENERATED ALWAYS AS (ST_MakeEnvelope(min_x, min_y, max_x, max_y, 4326)) STORED,
            during int8range GENERATED ALWAYS AS (int8range(start_ticks, end_ticks)) STORED,
            PRIMARY KEY (agreement_id, id),
            CHECK (min_x <= max_x AND min_y <= max_y),
            CHECK (end_ticks > start_ticks)
        );

        CREATE INDEX operations_by_owner ON operations (agreement_id, owner);
        CREATE INDEX operations_by_state ON operations (agreement_id, state);
        CREATE INDEX operations_by_envelope ON operations USING gist (envelope);
        CREATE INDEX operations_by_time ON operations USING gist (during);
        """,

        // 2: the ledger: entries (the exact leaf bytes), openings (center-only), checkpoints and cosignatures.
        """
        CREATE TABLE ledger_entries (
            agreement_id text NOT NULL,
            idx bigint NOT NULL CHECK (idx >= 0),
            entry bytea NOT NULL,
            PRIMARY KEY (agreement_id, idx)
        );

        CREATE TABLE ledger_openings (
            agreement_id text NOT NULL,
            idx bigint NOT NULL,
            n integer NOT NULL,
            opening bytea NOT NULL,
            PRIMARY KEY (agreement_id, idx, n),
            FOREIGN KEY (agreement_id, idx) REFERENCES ledger_entries (agreement_id, idx)
        );

        CREATE TABLE checkpoints (
            agreement_id text NOT NULL,
            size bigint NOT NULL CHECK (size >= 0),
            note text NOT NULL,
            PRIMARY KEY (agreement_id, size)
        );

        CREATE TABLE cosignatures (
            agreement_id text NOT NULL,
            size bigint NOT NULL,
            signer text NOT NULL,
            line text NOT NULL,
            PRIMARY KEY (agreement_id, size, signer),
            FOREIGN KEY (agreement_id, size) REFERENCES checkpoints (agreement_id, size)
        );
        """,

        // 3: signed submissions: nonces spent by the write they signed; idempotent answers kept for retries.
        """
        CREATE TABLE nonces (
            agreement_id text NOT NULL,
            party text NOT NULL,
            nonce text NOT NULL,
            timestamp_ticks bigint NOT NULL,
            PRIMARY KEY (agreement_id, party, nonce)
        );

        CREATE TABLE idempotency_keys (
            agreement_id text NOT NULL,
            party text NOT NULL,
            key text NOT NULL,
            fingerprint bytea NOT NULL,
            status integer NOT NULL CHECK (status BETWEEN 100 AND 599),
            content_type text,
            body bytea NOT NULL,
            etag text,
            location text,
            created_ticks bigint NOT NULL,
            PRIMARY KEY (agreement_id, party, key)
        );
        """,

        // 4: probing touches and the events outbox (numbered per agreement in commit order).
        """
        CREATE TABLE probing_touches (
            agreement_id text NOT NULL,
            request text NOT NULL,
            zone_id text NOT NULL,
            time_ticks bigint NOT NULL,
            requester text NOT NULL,
            zone_owner text NOT NULL,
            small boolean NOT NULL,
            probe text NOT NULL,
            PRIMARY KEY (agreement_id, request, zone_id)
        );

        CREATE INDEX probing_touches_by_time ON probing_touches (agreement_id, time_ticks);
        CREATE INDEX probing_touches_by_owner ON probing_touches (agreement_id, zone_owner, requester);

        CREATE TABLE events (
            agreement_id text NOT NULL,
            seq bigint NOT NULL CHECK (seq >= 1),
            recipient text NOT NULL,
            type text NOT NULL,
            payload text NOT NULL,
            created_ticks bigint NOT NULL,
            PRIMARY KEY (agreement_id, seq)
        );

        CREATE INDEX events_by_recipient ON events (agreement_id, recipient, seq);
        """,

        // 5: concurrence requests, one row per request, replaced as it closes.
        """
        CREATE TABLE concurrence_requests (
            agreement_id text NOT NULL,
            id text NOT NULL,
            operation_id text NOT NULL,
            operation_version bigint NOT NULL,
            submitter text NOT NULL,
            affected text NOT NULL,
            target_type text NOT NULL CHECK (target_type IN ('zone', 'operation')),
            target_id text NOT NULL,
            opened_ticks bigint NOT NULL,
            deadline_ticks bigint NOT NULL,
            state text NOT NULL CHECK (state IN ('open', 'concurred', 'refused', 'counter-proposed', 'expired', 'withdrawn')),
            closed_ticks bigint,
            reason text,
            counter_proposal text,
            version bigint NOT NULL CHECK (version >= 1),
            PRIMARY KEY (agreement_id, id)
        );

        CREATE INDEX concurrence_requests_open ON concurrence_requests (agreement_id, state, deadline_ticks);
        """,

        // 6: subscriptions and their webhook cursors (the last event sequence number acknowledged).
        """
        CREATE TABLE subscriptions (
            agreement_id text NOT NULL,
            id text NOT NULL,
            party text NOT NULL,
            area_json text NOT NULL,
            start_ticks bigint NOT NULL,
            end_ticks bigint,
            kinds_json text NOT NULL,
            webhook text,
            created_ticks bigint NOT NULL,
            webhook_cursor bigint NOT NULL CHECK (webhook_cursor >= 0),
            PRIMARY KEY (agreement_id, id),
            CHECK (end_ticks IS NULL OR end_ticks > start_ticks)
        );

        CREATE INDEX subscriptions_by_party ON subscriptions (agreement_id, party);
        """,

        // 7: the commit journal (one row per commit of an agreement, numbered 1, 2, …): what each commit wrote, so a
        // node that missed commits made through another catches up without loading the whole state.
        """
        CREATE TABLE commits (
            agreement_id text NOT NULL,
            seq bigint NOT NULL CHECK (seq >= 1),
            changes text NOT NULL,
            PRIMARY KEY (agreement_id, seq)
        );
        """,

        // 8: leases, so that of several nodes one does a job that must run once (webhook delivery).
        """
        CREATE TABLE leases (
            name text NOT NULL PRIMARY KEY,
            holder text NOT NULL,
            expires_ticks bigint NOT NULL
        );
        """,

        // 9: an answer kept for retries is one opaque record, written and read by the server alone (the store keeps
        // no HTTP). Rows of schema 8 become records of the server's format 1: a header of text lines, a blank line, the
        // body bytes.
        """
        CREATE TABLE kept_answers (
            agreement_id text NOT NULL,
            party text NOT NULL,
            key text NOT NULL,
            fingerprint bytea NOT NULL,
            record bytea NOT NULL,
            created_ticks bigint NOT NULL,
            PRIMARY KEY (agreement_id, party, key)
        );
        INSERT INTO kept_answers (agreement_id, party, key, fingerprint, record, created_ticks)
            SELECT agreement_id, party, key, fingerprint,
                convert_to('parley-answer/1' || chr(10) || 'status: ' || status || chr(10)
                    || COALESCE('content-type: ' || content_type || chr(10), '')
                    || COALESCE('etag: ' || etag || chr(10), '')
                    || COALESCE('location: ' || location || chr(10), '')
                    || chr(10), 'UTF8') || body,
                created_ticks
            FROM idempotency_keys;
        DROP TABLE idempotency_keys;
        """,

        // 10: terms and amendments. A concurrence request may be about a term of the agreement. Amendments: one row
        // each, the whole record as JSON text, replaced as it changes; the state beside it for queries.
        """
        ALTER TABLE concurrence_requests DROP CONSTRAINT concurrence_requests_target_type_check;
        ALTER TABLE concurrence_requests ADD CONSTRAINT concurrence_requests_target_type_check
            CHECK (target_type IN ('zone', 'operation', 'term'));

        CREATE TABLE amendments (
            agreement_id text NOT NULL,
            id text NOT NULL,
            state text NOT NULL CHECK (state IN ('proposed', 'signed', 'in-force', 'lapsed')),
            proposed_ticks bigint NOT NULL,
            record text NOT NULL,
            PRIMARY KEY (agreement_id, id)
        );
        """,

        // 11: incidents, each as one record (the report, the center's correlation, replies, grades, silences) that loads
        // whole; the columns beside it are for queries and checks.
        """
        CREATE TABLE incidents (
            agreement_id text NOT NULL,
            id text NOT NULL,
            reporter text NOT NULL,
            version bigint NOT NULL CHECK (version >= 1),
            reported_ticks bigint NOT NULL,
            deadline_ticks bigint NOT NULL,
            record_json text NOT NULL,
            PRIMARY KEY (agreement_id, id)
        );
        """,

        // 12: start-up reads only the recent alerts (events by type and time), and request rate limits shared by every
        // node: one token bucket per key, its tokens kept with fractions, refilled from the latest time a node passed.
        """
        CREATE INDEX events_by_type_time ON events (agreement_id, type, created_ticks);
        CREATE TABLE rate_buckets (
            bucket text NOT NULL PRIMARY KEY,
            tokens double precision NOT NULL,
            granted integer NOT NULL,
            updated_ticks bigint NOT NULL
        );
        """,

        // 13: nonces in the order they are signed. A replay carries the timestamp its signature covers, so the key
        // (agreement, timestamp, party, nonce) refuses every replay as the key without the timestamp did; with the
        // time first, a batch's nonces land on the rightmost leaf of the index instead of one random leaf each.
        """
        ALTER TABLE nonces DROP CONSTRAINT nonces_pkey;
        ALTER TABLE nonces ADD PRIMARY KEY (agreement_id, timestamp_ticks, party, nonce);
        """,
    ];
}
