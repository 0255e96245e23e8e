package postgres

import "github.com/jackc/pgx/v5"

// queries holds the store's SQL, with table names qualified by its schema.
//
// It runs with the connection's search_path, which the store does not choose (the URL, the
// role or the database does), so it names pg_catalog's polymorphic functions (unnest of one
// array, cardinality) with their schema: PostgreSQL prefers a function whose argument types
// match exactly wherever it is on the path, and one in a schema other roles may create in
// (public, on a database created before PostgreSQL 15) would otherwise run with the store's
// role's privileges (CVE-2018-1058). The functions and operators it calls otherwise are
// pg_catalog's with exact argument types, which the path searches first; unnest of several
// arrays in FROM is expanded by the parser to the built-in one.
type queries struct {
	head, lockAppends, streamVersion, streamVersions, insert, notify string
	readAll, readType, readStream, readStreamTypes                   string
	eventsByID, eventID, eventIDs, headEvent, lastTime               string
	appendEvents, appendGroup                                        string
	checkpoint, saveCheckpoint                                       string
	snapshot, saveSnapshot                                           string
	projectionStates, saveProjectionStates                           string
}

const columns = `position, stream_id, version, id, type, time, data, metadata`

func newQueries(schema string) queries {
	t := func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	return queries{
		// The head and the streams' versions come from the events' indexes, read backwards
		// from the end (migration 0006).
		head: `SELECT coalesce(max(position), 0) FROM ` + t("events"),
		// The lock append_events takes (migration 0006), for Import; $1 is the schema.
		lockAppends:   `SELECT pg_advisory_xact_lock(hashtextextended('eventgraph.append:' || $1::text, 0))`,
		streamVersion: `SELECT coalesce(max(version), 0) FROM ` + t("events") + ` WHERE stream_id = $1`,
		streamVersions: `SELECT s.id, coalesce((SELECT max(e.version) FROM ` + t("events") + ` e WHERE e.stream_id = s.id), 0)
			FROM pg_catalog.unnest($1::bytea[]) AS s(id)`,
		insert: `INSERT INTO ` + t("events") + ` (` + columns + `)
			SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::bytea[], $5::bytea[],
				$6::timestamptz[], $7::bytea[], $8::bytea[])`,
		notify:       `SELECT pg_notify($1, $2)`,
		appendEvents: `SELECT ok, version, head FROM ` + t("append_events") + `($1, $2, $3, $4, $5, $6, $7, $8)`,
		// A group's appends, in order, in one statement: PostgreSQL runs a statement only
		// once its arguments have all arrived, so no append of the group holds the log's
		// append lock while the rest of it is still on its way (see the package doc). A
		// group sent as a pipeline of calls had its first take the lock, and a client that
		// vanished mid-send left it held until the server's keepalives gave up. $3 holds each append's
		// first event's index into the events' arrays ($4 to $7), from 0, and their count
		// last; $8 is each append's time.
		appendGroup: `SELECT r.ok, r.version, r.head FROM generate_series(1, pg_catalog.cardinality($1::bytea[])) AS g(i)
			CROSS JOIN LATERAL ` + t("append_events") + `(($1::bytea[])[g.i], ($2::bigint[])[g.i],
				($4::bytea[])[($3::int[])[g.i] + 1 : ($3::int[])[g.i + 1]],
				($5::bytea[])[($3::int[])[g.i] + 1 : ($3::int[])[g.i + 1]],
				($8::timestamptz[])[g.i],
				($6::bytea[])[($3::int[])[g.i] + 1 : ($3::int[])[g.i + 1]],
				($7::bytea[])[($3::int[])[g.i] + 1 : ($3::int[])[g.i + 1]],
				$9::text) AS r
			ORDER BY g.i`,
		readAll: paged(`SELECT `+columns+` FROM `+t("events")+` WHERE position > $1 ORDER BY position LIMIT $2`, "position", "$3"),
		readType: paged(`SELECT `+columns+` FROM `+t("events")+` WHERE md5(type) = md5($1::bytea) AND type = $1
			AND position > $2 AND position <= $3 ORDER BY position LIMIT $4`, "position", "$5"),
		readStream: paged(`SELECT `+columns+` FROM `+t("events")+` WHERE stream_id = $1 AND version > $2 ORDER BY version LIMIT $3`, "version", "$4"),
		readStreamTypes: paged(`SELECT `+columns+` FROM `+t("events")+` WHERE stream_id = $1 AND version > $2 AND type = ANY($3::bytea[])
			ORDER BY version LIMIT $4`, "version", "$5"),
		eventsByID: `SELECT id, version, position FROM ` + t("events") + ` WHERE stream_id = $1 AND id = ANY($2::bytea[])`,
		eventID:    `SELECT id FROM ` + t("events") + ` WHERE position = $1`,
		eventIDs:   `SELECT position, id FROM ` + t("events") + ` WHERE position = ANY($1::bigint[])`,
		headEvent:  `SELECT position, id FROM ` + t("events") + ` ORDER BY position DESC LIMIT 1`,
		lastTime:   `SELECT time FROM ` + t("events") + ` ORDER BY position DESC LIMIT 1`,
		checkpoint: `SELECT position, event_id, head, head_event_id FROM ` + t("checkpoints") + ` WHERE name = $1`,
		// Servers on one schema share a saga's checkpoint: a save keeps the one further on,
		// unless that one names events the log does not hold (a restored backup).
		saveCheckpoint: `INSERT INTO ` + t("checkpoints") + ` AS c (name, position, event_id, head, head_event_id)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, event_id = EXCLUDED.event_id,
				head = EXCLUDED.head, head_event_id = EXCLUDED.head_event_id
			WHERE c.position < EXCLUDED.position
				OR NOT EXISTS (SELECT 1 FROM ` + t("events") + ` e WHERE e.position = c.position AND e.id = c.event_id)
				OR NOT EXISTS (SELECT 1 FROM ` + t("events") + ` e WHERE e.position = c.head AND e.id = c.head_event_id)`,
		snapshot: `SELECT version, event_id, revision, state FROM ` + t("snapshots") + ` WHERE stream = $1`,
		// Servers on one schema share a stream's snapshot: a save keeps the one before when
		// it is of the same revision and further on (store.KeepsSnapshot) and the log holds
		// the event it names, checked on the row as it is when the save locks it.
		saveSnapshot: `INSERT INTO ` + t("snapshots") + ` AS s (stream, version, event_id, revision, state)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (stream) DO UPDATE SET version = EXCLUDED.version, event_id = EXCLUDED.event_id,
				revision = EXCLUDED.revision, state = EXCLUDED.state
			WHERE NOT (s.revision = EXCLUDED.revision AND s.version > EXCLUDED.version
				AND EXISTS (SELECT 1 FROM ` + t("events") + ` e WHERE e.stream_id = s.stream AND e.version = s.version AND e.id = s.event_id))`,
		projectionStates: `SELECT position, event_id, head, head_event_id, names, revisions, states FROM ` + t("projection_states") + ` WHERE id = 1`,
		// Servers on one schema share the read models' states: a save keeps the set before
		// when it is further on, of the same projections and revisions, and the log holds the
		// events it names, checked on the row as it is when the save locks it. A set of
		// another release's read models (a rolling upgrade) never keeps out this one's.
		saveProjectionStates: `INSERT INTO ` + t("projection_states") + ` AS p (id, position, event_id, head, head_event_id, names, revisions, states)
			VALUES (1, $1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position, event_id = EXCLUDED.event_id,
				head = EXCLUDED.head, head_event_id = EXCLUDED.head_event_id,
				names = EXCLUDED.names, revisions = EXCLUDED.revisions, states = EXCLUDED.states
			WHERE NOT (p.position > EXCLUDED.position
				AND p.names = EXCLUDED.names AND p.revisions = EXCLUDED.revisions
				AND EXISTS (SELECT 1 FROM ` + t("events") + ` e WHERE e.position = p.position AND e.id = p.event_id)
				AND EXISTS (SELECT 1 FROM ` + t("events") + ` e WHERE e.position = p.head AND e.id = p.head_event_id))`,
	}
}

// rowBytes is the size of an event's row as a page counts it (WithPageBytes): the lengths
// of its byte columns. page counts the same of the rows it reads.
const rowBytes = `octet_length(stream_id) + octet_length(id) + octet_length(type) + octet_length(data) + octet_length(metadata)`

// paged cuts the page a read query returns (its rows in the order of key, at most a number
// of them) by size too: it keeps the rows whose predecessors in the page add up to fewer
// bytes than the parameter maxBytes, the first row always. octet_length of a bytea reads
// its size from its header without detoasting it, and the rows cut off are not sent.
func paged(query, key, maxBytes string) string {
	return `SELECT ` + columns + ` FROM (
			SELECT ` + columns + `, coalesce(sum(` + rowBytes + `) OVER (ORDER BY ` + key + `
				ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
			FROM (` + query + `) page
		) sized WHERE before < ` + maxBytes + ` ORDER BY ` + key
}
