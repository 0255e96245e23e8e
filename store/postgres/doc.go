// Package postgres provides an event store on PostgreSQL, for running several eventgraph
// servers on one log.
//
// Open connects with a pgx connection pool, creates and migrates its schema (embedded,
// versioned SQL migrations recorded in a schema_migrations table and applied under an
// advisory lock, so several servers may start at once; a schema already at the latest
// version gets no DDL, so a role that may only use its tables can run the servers; a
// migration waits a few seconds at a time, five times, for a table another transaction
// holds, such as a pg_dump, and Open then fails saying so), and
// returns a Store that
// implements store.Store, store.Header, store.Checkpointer, store.Snapshotter,
// store.StreamVersioner and store.TypeReader (over an index on the events' type and
// position, migration 0005, whose index migration 0007 rebuilds on md5(type) where commit
// 2bceaa5's first version of it indexed the type itself) and passes the storetest
// conformance suite. A released migration never changes (TestMigrations_releasedOnesNeverChange):
// a schema runs each once, so a change to one reaches no schema that ran it.
//
// # Tables
//
// All tables live in one schema (WithSchema; "eventgraph" by default):
//
//	events(position, stream_id, version, id, type, time, data, metadata)
//	checkpoints(name, position, ...)  how far each saga got (store.Checkpointer)
//	snapshots(stream, version, ...)   each stream's latest snapshot (store.Snapshotter)
//	projection_states(id, position, ...)  the read models' states, one set in one row (store.StateKeeper)
//	schema_migrations(version, ...)  the migrations applied
//
// A stream's version and the log's head are read from the events' indexes (the unique
// (stream_id, version) and the primary key), from their end. The views streams and
// log_head show them as the tables of those names did before migration 0006, for a server
// of an older release during an upgrade; the store itself does not use them.
//
// Data and metadata are stored as bytea holding exactly the bytes the store returns:
// Data compacted as json.Compact does (key order, number spelling and string escapes
// kept — jsonb would reorder keys and respell numbers) and metadata as a JSON object. To
// query them in SQL, use convert_from(data, 'UTF8')::jsonb; that cast fails for an event
// whose data holds \u0000, which jsonb cannot hold and the store keeps as it was given.
//
// A snapshot's state is likewise bytea, holding the writer's bytes as they are (spacing
// included), and so are its stream id, event id and revision (which may hold NUL). Servers
// sharing a schema share snapshots: a save keeps the stored snapshot when it is of the same
// revision and further on (store.KeepsSnapshot), a rule the saving statement applies to
// the row itself, so a slower server cannot move a snapshot back. The read models' states
// are shared the same way: a save keeps a set further on whose events the log holds.
//
// # Positions in commit order, with no gaps
//
// Positions are not taken from a sequence: a sequence hands out numbers at insert time,
// so a transaction that rolls back leaves a gap, and two transactions can commit in the
// opposite order of their numbers, so a reader may see position 11 before 10 is visible —
// and a subscriber that has moved past 11 never sees 10 (the bug of several PostgreSQL
// event stores). Instead every append runs the SQL function append_events (migration
// 0006), which starts with
//
//	SELECT pg_advisory_xact_lock(hashtextextended('eventgraph.append:' || <schema>, 0))
//
// taking the log's append lock, a transaction-level advisory lock of the schema, held until
// the transaction commits or rolls back. Another append waits on that lock and, when it
// gets it, reads the head (the largest position) in a new statement, which sees the append
// that held the lock (the Store's connections run at READ COMMITTED whatever the database's
// default; under a stricter level the snapshot would be older than the wait). So positions
// are handed out in commit order: the transaction that takes positions P+1.. cannot commit
// before the one holding ..P has committed, or rolled back and so released its positions
// unused. PostgreSQL makes a transaction visible before it releases its locks, so a reader
// never sees P+1 before P.
//
// The function then reads the stream's version, likewise, and either reports a conflict
// without writing, or inserts the events and calls pg_notify. Since migration 0008 it reads
// the head's time with the head, and stamps the events with the later of that time and the
// appending server's clock, so that times never go back along the log, however the
// servers' clocks differ or are stepped. It does not return that time: WithRestampObserver
// learns of an append so held only from what the store knows of the log's last time (see
// there). It updates no row: before
// migration 0006 every append updated one row shared by all (the head) and its stream's
// row, and while a long transaction ran (pg_dump, a report) PostgreSQL kept every version
// of those rows, which each append then passed over, slower and slower.
//
// # Group commit
//
// Because appends hold the append lock until they commit, only one transaction appends at a
// time, and its commit (a WAL flush) bounds the rate. Each Store therefore has one
// committer: appends that arrive while a group is committing form the next group, sent as
// one statement that calls append_events for each in turn (its arguments are arrays), which
// PostgreSQL runs as one implicit transaction — one round trip, one lock acquisition, one
// WAL flush for the whole group. PostgreSQL runs a statement only once its arguments have
// all arrived, so a group cut off in the middle of sending them holds no lock (sent as a
// pipeline of calls, its first call had taken the lock as soon as it arrived); only a
// client that vanishes in the last few bytes, between the statement and its commit, leaves
// the lock held, until the server's TCP keepalives drop it (about a minute, see Open). A
// group holds at most 256 appends and 16 MiB of appends (as MaxAppendBytes counts them), as
// the driver encodes the whole batch in memory before it sends it, and takes no more appends
// once it holds 4096 events; an append over 16 MiB commits in a group of its own. A
// conflict is a call's result, not an error, so it fails only its own append; if the group
// fails as a whole, each of its appends is retried alone. Several Stores (servers) on one
// database contend for the append lock group by group.
//
// # Subscriptions across processes
//
// Each append calls pg_notify on the store's channel in its transaction (delivered on
// commit). Every Store keeps one dedicated listener connection (LISTEN); a notification —
// or a commit of the Store itself — wakes its tailer, which reads the new events from the
// table by position, once, into a cache of the most recent events (WithTailSize, and
// WithTailBytes, 16 MiB by default), kept while anyone subscribes. Subscribers that have
// caught up take their events from that cache, so a commit costs one query per Store
// however many subscribers it has; a subscriber behind the cache reads the table in pages
// (WithPageSize, and WithPageBytes, 4 MiB by default). Reading by position from the table
// means a missed or coalesced notification loses nothing, and a slow subscriber holds no
// more than the page it is handing out and never blocks an append. If notifications stop
// (the listener's connection dropped and is being re-established), the tailer re-reads the
// table at the poll interval (WithPollInterval).
//
// Appends made through any Store on the same database and schema — in this process or
// another — reach the subscribers of every Store.
//
// # A log that loses events
//
// An asynchronous failover that lost the primary's last commits, or a backup restored while
// the servers run, takes the log back: new appends take the lost events' positions again.
// A Store that had seen a lost event committed (its own append, or one its tailer read)
// fails, with ErrFailed, rather than go on as if nothing happened, when it notices: at its
// next append, which reads the head under the append lock (that append has committed and is
// acknowledged; the ones after it fail); or, while anyone subscribes, when its tailer finds
// the last event it read gone or replaced, which it checks before it takes in the events
// after it and otherwise at most once a poll interval, or when the first subscription after
// an idle spell finds the head below what the Store saw. Its subscriptions then end: a
// caught-up subscriber is handed none of the new events, and one reading the table behind
// the Store's cache at most a poll interval's worth. Store.Failed reports it, so a server's liveness check can
// have it restarted, which rebuilds what it derived from the log.
package postgres
