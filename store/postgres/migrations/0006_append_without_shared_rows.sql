-- Appends no longer update a row shared by all of them. Before, each group locked and
-- updated the one log_head row, and the stream's row in streams. PostgreSQL keeps every
-- version of an updated row that a transaction still open might see: while a long
-- transaction ran (pg_dump, a report), each append had to pass over all the versions that
-- the appends before it had left, and appends slowed down without end (16 writers went from
-- about 5,000 to 1,650 appends/s over 20,000 appends in BenchmarkPostgres, oldSnapshot).
--
-- append_events now serialises appends with a transaction-level advisory lock, derived from
-- the schema's name, and reads the head and the stream's version from the events' indexes
-- (the primary key, and the unique (stream_id, version)), where appends only add entries.
-- The lock is held until the transaction ends, and PostgreSQL makes a transaction visible
-- before it releases its locks, so positions still follow commit order with no gap, as
-- before: the next append takes the lock only once the one before is visible, and reads the
-- head in a new statement (VOLATILE, READ COMMITTED), which sees it.
--
-- The two tables are replaced by views of the same names and columns, for a server of an
-- older release still running while the new one starts (a rolling upgrade): it reads the
-- right head and versions from them, and its import, which updated log_head, fails.
CREATE OR REPLACE FUNCTION append_events(
    p_stream   bytea,
    p_expected bigint,
    p_ids      bytea[],
    p_types    bytea[],
    p_time     timestamptz,
    p_data     bytea[],
    p_metadata bytea[],
    p_channel  text
) RETURNS TABLE (ok boolean, version bigint, head bigint)
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
DECLARE
    n   bigint := cardinality(p_ids);
    h   bigint;
    cur bigint;
BEGIN
    -- The same key as the store's Import takes (import.go).
    PERFORM pg_advisory_xact_lock(hashtextextended('eventgraph.append:' || current_schema(), 0));
    SELECT coalesce(max(e.position), 0) INTO h FROM events e;
    SELECT coalesce(max(e.version), 0) INTO cur FROM events e WHERE e.stream_id = p_stream;
    IF NOT (p_expected = -1 OR (p_expected = -2 AND cur > 0) OR (p_expected >= 0 AND cur = p_expected)) THEN
        RETURN QUERY SELECT false, cur, h;
        RETURN;
    END IF;
    INSERT INTO events (position, stream_id, version, id, type, time, data, metadata)
        SELECT h + u.o, p_stream, cur + u.o, u.id, u.type, p_time, u.data, u.metadata
        FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, o);
    PERFORM pg_notify(p_channel, (h + n)::text);
    RETURN QUERY SELECT true, cur + n, h + n;
END
$$;

-- log_head is locked by every append of an older release's function: dropping it waits for
-- the appends in flight, so none of them interleaves with the function above (and for a
-- pg_dump, which holds every table until it ends: the migration waits for a lock at most
-- a few seconds at a time, see migrate.go). The roles that could read the tables (a role
-- limited to its tables, running a server of the release before) can read the views, which
-- belong to the tables' owner, also when another role (a superuser) migrates.
DO $$
DECLARE
    owner  text;
    grants text[]; -- GRANT statements for the views, from the tables' SELECT grants
    g      text;
BEGIN
    SELECT c.relowner::regrole::text INTO owner FROM pg_class c WHERE c.oid = 'log_head'::regclass;
    -- A grant of the table, or of one of its columns (the views have the same columns), to
    -- PUBLIC or a role, with its grant option.
    SELECT coalesce(array_agg(format('GRANT SELECT %s ON %I TO %s%s',
            CASE WHEN x.col IS NULL THEN '' ELSE format('(%I)', x.col) END, x.tab,
            CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
            CASE WHEN x.grantable THEN ' WITH GRANT OPTION' ELSE '' END)), '{}')
        INTO grants
        FROM (
            SELECT c.relname AS tab, NULL::name AS col, a.grantee, a.is_grantable AS grantable, c.relowner AS owner
                FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                WHERE c.oid IN ('log_head'::regclass, 'streams'::regclass) AND a.privilege_type = 'SELECT'
            UNION ALL
            SELECT c.relname, t.attname, a.grantee, a.is_grantable, c.relowner
                FROM pg_class c JOIN pg_attribute t ON t.attrelid = c.oid
                CROSS JOIN LATERAL aclexplode(t.attacl) a
                WHERE c.oid IN ('log_head'::regclass, 'streams'::regclass) AND a.privilege_type = 'SELECT'
        ) x
        LEFT JOIN pg_roles r ON r.oid = x.grantee
        WHERE x.grantee <> x.owner;
    DROP TABLE log_head;
    DROP TABLE streams;
    CREATE VIEW log_head AS SELECT true AS one, coalesce(max(position), 0) AS position FROM events;
    -- A stream's row comes from its first event, and its version from the end of its index
    -- (a condition on stream_id reaches both indexes): a view grouping the events by stream
    -- read the whole stream for each lookup.
    CREATE VIEW streams AS
        SELECT e.stream_id, (SELECT max(m.version) FROM events m WHERE m.stream_id = e.stream_id) AS version
        FROM events e WHERE e.version = 1;
    EXECUTE format('ALTER VIEW log_head OWNER TO %s', owner);
    EXECUTE format('ALTER VIEW streams OWNER TO %s', owner);
    FOREACH g IN ARRAY grants LOOP
        EXECUTE g;
    END LOOP;
END
$$;
