// Package postgres provides an event store on PostgreSQL, for running several eventgraph
// servers on one log.
//
// Open connects with a pgx connection pool, creates and migrates its schema (embedded,
// versioned SQL migrations recorded in a schema_migrations table and applied under an
// advisory lock, so several servers may start at once), and returns a Store that
// implements store.Store and store.Header and passes the storetest conformance suite.
//
// # Tables
//
// All tables live in one schema (WithSchema; "eventgraph" by default):
//
//	events(position, stream_id, version, id, type, time, data, metadata)
//	streams(stream_id, version)      the current version of each stream
//	log_head(position)               one row: the position of the last committed event
//	schema_migrations(version, ...)  the migrations applied
//
// Data and metadata are stored as bytea holding exactly the bytes the store returns:
// Data compacted as json.Compact does (key order, number spelling and string escapes
// kept — jsonb would reorder keys and respell numbers) and metadata as a JSON object. To
// query them in SQL, use convert_from(data, 'UTF8')::jsonb.
//
// # Positions in commit order, with no gaps
//
// Positions are not taken from a sequence: a sequence hands out numbers at insert time,
// so a transaction that rolls back leaves a gap, and two transactions can commit in the
// opposite order of their numbers, so a reader may see position 11 before 10 is visible —
// and a subscriber that has moved past 11 never sees 10 (the bug of several PostgreSQL
// event stores). Instead every append transaction starts with
//
//	UPDATE log_head SET position = position + n RETURNING position
//
// which takes the row lock on the single log_head row and holds it until the transaction
// commits or rolls back. A second append waits on that lock, and when it gets it, reads
// the head the first one committed. So positions are handed out in commit order: the
// transaction that holds positions P+1.. cannot commit before the one holding ..P has
// committed (or rolled back, undoing its increment, so no gap is left). PostgreSQL makes a
// transaction visible before it releases its locks, so a reader never sees P+1 before P.
// The price is that appends commit one at a time: throughput is bounded by the commit
// latency of the database (see the benchmarks), exactly like a single-writer log.
//
// The stream's version is read after taking the head lock, in a new statement of a READ
// COMMITTED transaction, so it reflects every append committed before; the expected-version
// check therefore needs no further locking.
//
// # Subscriptions across processes
//
// Each append sends pg_notify on the store's channel in its transaction (delivered on
// commit). Every Store keeps one dedicated listener connection (LISTEN) and wakes its
// subscribers when a notification arrives. Subscribers always read the events from the
// table by position, in pages, so a missed or coalesced notification loses nothing and a
// slow subscriber holds no buffer and never blocks an append. If notifications stop (the
// listener connection drops and is being re-established), subscribers re-read the table
// on a timer (WithPollInterval).
//
// Appends made through any Store on the same database and schema — in this process or
// another — reach the subscribers of every Store.
package postgres
