-- append_events appends one batch of events to a stream, in the caller's transaction:
-- it locks the log head (waiting for the transaction that holds it to commit, so positions
-- follow commit order), checks the stream's version against p_expected (-1 any, -2 the
-- stream must exist, otherwise the exact version), and either returns ok = false with the
-- stream's version and writes nothing, or writes the events at the next positions and
-- returns ok = true, the stream's new version and the new head.
--
-- It is VOLATILE, so each statement takes a fresh snapshot under READ COMMITTED: the
-- stream's version is read after the head lock is granted and reflects every append
-- committed before. Several calls may share one transaction (group commit); each sees the
-- ones before it.
CREATE FUNCTION append_events(
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
    SELECT l.position INTO h FROM log_head l FOR UPDATE;
    SELECT s.version INTO cur FROM streams s WHERE s.stream_id = p_stream;
    cur := coalesce(cur, 0);
    IF NOT (p_expected = -1 OR (p_expected = -2 AND cur > 0) OR (p_expected >= 0 AND cur = p_expected)) THEN
        RETURN QUERY SELECT false, cur, h;
        RETURN;
    END IF;
    INSERT INTO events (position, stream_id, version, id, type, time, data, metadata)
        SELECT h + u.o, p_stream, cur + u.o, u.id, u.type, p_time, u.data, u.metadata
        FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, o);
    UPDATE log_head SET position = h + n;
    INSERT INTO streams (stream_id, version) VALUES (p_stream, cur + n)
        ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version;
    PERFORM pg_notify(p_channel, (h + n)::text);
    RETURN QUERY SELECT true, cur + n, h + n;
END
$$;
