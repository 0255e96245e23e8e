-- An append's events are stamped no earlier than the log's last event: with the later of
-- the appending server's clock (p_time) and that event's time. Before, a server whose clock
-- was stepped back (NTP, a virtual machine's resume) or ran behind another server's on the
-- same schema stamped its events earlier than the events before them, so that a read
-- model's updatedAt could precede its createdAt, and an order's createdAt its placement.
-- The last event is read under the append lock, as the head was, so every append sees the
-- time of the one committed before it; it is the head's row, which the primary key's index
-- finds as max(position) did.
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
    n    bigint := cardinality(p_ids);
    h    bigint;
    last_time timestamptz;
    cur  bigint;
BEGIN
    -- The same key as the store's Import takes (import.go).
    PERFORM pg_advisory_xact_lock(hashtextextended('eventgraph.append:' || current_schema(), 0));
    SELECT e.position, e.time INTO h, last_time FROM events e ORDER BY e.position DESC LIMIT 1;
    h := coalesce(h, 0);
    SELECT coalesce(max(e.version), 0) INTO cur FROM events e WHERE e.stream_id = p_stream;
    IF NOT (p_expected = -1 OR (p_expected = -2 AND cur > 0) OR (p_expected >= 0 AND cur = p_expected)) THEN
        RETURN QUERY SELECT false, cur, h;
        RETURN;
    END IF;
    INSERT INTO events (position, stream_id, version, id, type, time, data, metadata)
        SELECT h + u.o, p_stream, cur + u.o, u.id, u.type, greatest(p_time, last_time), u.data, u.metadata
        FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, o);
    PERFORM pg_notify(p_channel, (h + n)::text);
    RETURN QUERY SELECT true, cur + n, h + n;
END
$$;
