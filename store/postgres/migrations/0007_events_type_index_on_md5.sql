-- Migration 5 holds the events' types in its index by their MD5 since commit ecd64b0; as
-- commit 2bceaa5 first wrote it, it indexed the type itself, and a schema that a server of
-- that commit migrated kept that index, as a migration runs once: there an append of an event
-- whose type is over about 2.7 kB (a B-tree entry's limit) failed ("index row size ... exceeds
-- btree version 4 maximum"). Such an index is rebuilt on md5(type), holding appends back while
-- it reads the events, as migration 5 did; one already on md5(type) is left as it is (only the
-- catalogs are read).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i
            WHERE i.indexrelid = to_regclass('events_type_position')
                AND pg_get_expr(i.indexprs, i.indrelid) = 'md5(type)') THEN
        DROP INDEX IF EXISTS events_type_position;
        CREATE INDEX events_type_position ON events (md5(type), position);
    END IF;
END
$$;
