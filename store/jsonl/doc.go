// Package jsonl provides a durable event store: an append-only log of JSON lines in one
// directory, with an in-memory index built when it is opened.
//
// # Files
//
// A store's directory holds events.jsonl, the log, and LOCK, which Open locks (flock on
// unix systems, LockFileEx on Windows) so that a second Open of the directory, from any
// process, fails with ErrLocked (on other systems no lock is taken, and two writers would
// damage the log). On unix systems Open locks events.jsonl with flock too, so that deleting
// LOCK under a running Store lets no second writer in (Windows does not let LOCK be deleted
// while it is open); once a
// checkpoint was saved (see Store.SaveCheckpoint), also checkpoints.json, which says how far
// the sagas got and is not part of the log; and once a snapshot was saved (see
// Store.SaveSnapshot), also the subdirectory snapshots/, which is not part of the log either.
// It holds one file per stream, named by the lower-case hex SHA-256 of the stream id followed
// by ".json": a JSON object of the stream id, the version and event id the snapshot reflects,
// its revision, and the folded state, written byte for byte as the handler encoded it. Each
// file is replaced whole: written beside it as the same name plus ".tmp" (which a crash may
// leave behind, and the stream's next save replaces), synced unless WithNoSync, and renamed
// over it. The directory is a cache and may be deleted at any time: handlers then fold
// streams from the log. A file that is not a valid snapshot, or that holds another stream's
// (a hash collision), counts as no snapshot; and a reader checks a snapshot's event id
// against the log before it trusts the state (see store.Snapshot), so snapshots that outlive
// their events, after a backup of the log was restored, say, are not used.
//
// Once projections' states were saved (see Store.SaveProjectionStates), the directory also
// holds readmodels/states (StateDir, StateFile): a line of JSON (the position and event id
// the states reflect, the head and its event id, and each state's name, revision, size and
// CRC-32C checksum), then the states' bytes. It is replaced whole, as a snapshot file is, and
// is a cache too: a reader checks the checksums, and the Runner the event ids against the log.
//
// OpenReadOnly opens a log for tools that copy or inspect it: it creates, writes and cuts
// nothing (a torn tail stays in place, unread), takes a shared lock on an existing LOCK so
// that it fails while a writer holds the directory and a writer cannot start meanwhile,
// and its Store fails every write with ErrReadOnly.
//
// Backup copies a log's whole commits into another directory, also while a Store writes it,
// checked, synced and renamed into place; Restore puts such a copy in place of a directory's
// log with the directory's lock held, moving the log, checkpoints.json, snapshots/ and
// readmodels/ it replaces aside rather than deleting them. cmd/eventlog's backup and restore run them.
//
// # Line format
//
// Each event is one line, a JSON object whose fields always come in this order:
//
//	{"position":7,"stream":"order-42","version":2,"id":"…","type":"OrderPrepared",
//	 "time":"2026-11-23T10:42:25.123456789Z","data":{"orderId":"42"},
//	 "metadata":{"commandId":"…"},"batch":1,"crc":"89abcdef"}
//
// (one line in the file). position is the event's place in the global log, version its
// place in its stream; time is UTC with nine fraction digits; data is the event's JSON value
// itself, compacted, so `jq '.data.orderId'` works on the file; metadata is an object of
// strings with sorted keys. batch is the number of events the append that wrote the line
// wrote: an append of n events is n consecutive lines of one stream, each with "batch":n.
// crc is the CRC-32C (Castagnoli), in 8 lower-case hex digits, of the line's bytes before
// `"crc"`, that is up to and including the comma after batch.
//
// # Durability and group commit
//
// Append returns once its lines are written and fdatasync'ed (unless WithNoSync). Appends
// that arrive while a sync is in flight form the next group behind it; that group is then
// written with one write and synced with one fdatasync, so concurrent appends share syncs.
// Before a group is written it may wait briefly for the writers the previous commit just
// released (at most as many as it released, and at most half as long as the previous sync
// took), so that a steady set of writers shares each sync rather than alternating between
// two half-full groups. Optimistic concurrency is checked in memory under the writer lock
// against the versions of all appends, including those in flight; lines are encoded before
// the lock is taken. Readers see an event only once it is durable.
//
// WithNoSync, Append returns once its lines are written (handed to the kernel), so a crash
// of the process loses nothing acknowledged, and readers see an event only once it is
// written. An append that finds no write in flight writes its lines at once; appends that
// arrive during a write form the next group behind it, which the writer then writes too,
// with one write, without waiting for more.
//
// When a write fails, the file is cut back to its last commit (and, unless WithNoSync, the
// cut synced, so that a power failure cannot bring back what the failed appends had
// written; on a file system that may show a file's former bytes in a block written after
// the cut, as ext4 with data=writeback can, a power failure during a later write could
// still show the failed lines there, whole, and Open would take them), the append and
// those queued behind it fail, and later appends work. An append to the same stream that
// raced with a failed one, expecting the version the stream still has, may have failed with store.ErrConflict
// meanwhile (versions are checked against the appends in flight); trying it again decides
// it anew. When a sync fails (or the cut, or its sync, does), the state of
// the file is unknown (the kernel may have dropped the unsynced pages), so every later
// append fails with ErrFailed; reads keep working, and reopening the store recovers. So
// does a log file found, before a durable write, shorter than the store wrote it (cut, or a
// backup copied over it while the store had it open): the store leaves it as it is rather
// than write past its end, which would leave a gap of zeros that Open refuses. And so does
// a log whose path, before a durable write, no longer names the file the store has open
// (moved aside, removed, replaced, its directory moved; the path is the one Open was given,
// made absolute then): the store would write on into a file no Open finds. WithNoSync
// skips both checks.
//
// # Recovery
//
// Open reads the whole log and checks every line: layout, checksum, JSON, contiguous
// positions from 1, contiguous versions per stream, and batches (n lines of one stream, all
// with "batch":n). The torn tail, that is the bytes after the last whole batch (at most the
// complete lines of a partially written batch followed by a line without its '\n'), is what
// a crash in the middle of a write leaves: Open cuts it off and Recovery reports how much.
// That last line must be what a torn write leaves, the start of the line at the next
// position (`{"position":N,"stream":…`), possibly followed by zeros; any other bytes there
// are damage. Then, unless WithNoSync, Open syncs the log before anything reads it: a
// writer killed between its write and its sync leaves whole lines that no append
// acknowledged, and readers see an event only once it is durable. It syncs the directory
// too (where the file system can sync a directory), whose entry for the log an Open killed
// right after creating the log left unsynced, and the directory's parent (where the process
// may read it), whose entry for the directory an Open killed right after making it left so.
// Any other damage, anywhere, including a complete but invalid last line, or a whole last
// line followed by a byte other than its '\n' (or the zero of a file grown before its data
// landed), makes Open fail
// with a *CorruptError naming the byte offset and line; Open then changes nothing. Verify
// runs the same checks without changing anything, and the eventlog command
// (cmd/eventlog) runs it from the shell. The rule is strict on purpose: a process crash
// (the case the tests exercise, down to every byte offset) only ever leaves a torn tail,
// but a power loss on a file system that does not order data writes could leave garbage
// lines after the last sync; Open then refuses rather than guess, and eventlog verify
// shows where.
//
// Lines are checked in parallel chunks while the index is built in order, so Open of a
// log of 1,000,000 events takes well under a second on two cores.
//
// # Index and reads
//
// The index holds, per event, its file offset, line length and stream (16 bytes), per
// stream the positions of its events (8 bytes per event; an event's version is its place
// there), and per event type the positions of its events (8 bytes per event), about 37
// bytes per event in all with slice growth. The entries are kept in chunks of 16,384, so
// the index grows without ever copying itself under the writer's lock. Payloads stay in the
// file and are read with ReadAt, concurrently with appends; adjacent lines are read
// together. ReadStream costs O(the stream's events), ReadAllTypes O(the events of the types
// read) (store.TypeReader). Subscribers keep only a position and wait for a broadcast
// after each commit, then read from the file a chunk at a time (at most 256 events, handed
// out one by one as they are parsed), so a slow subscriber holds no more than that chunk's
// index entries and one read of adjacent lines, and never blocks appends.
//
// A subscriber or ReadAll that has read two chunks from the file and is still 1,024 or more
// events behind the head parses the lines on a second goroutine, a few chunks ahead of the
// caller, so that rebuilding read models at start parses on one processor and applies on
// another. Its chunks hold at most 1 MiB of lines each (or one event, when it is bigger).
// The goroutine stops with the caller and holds at most three chunks besides the one the
// caller is handling; a store runs at most GOMAXPROCS of them, and other readers read as
// they go.
//
// # Tail cache
//
// While anyone subscribes, the Store also keeps the last DefaultTailCache committed events
// (WithTailCache changes the number; 0 turns it off), at most DefaultTailCacheBytes of them
// (WithTailCacheBytes), decoded in memory, with its own copies of their data and metadata. A subscriber that keeps up with the log, as the projections,
// sagas and live queries of a server do, takes each new event from there instead of reading
// its line back and parsing it once per subscriber; Subscribe and ReadAll copy what they
// yield, SubscribeShared and ReadAllShared (for callers that only read) do not. Older
// events, and those committed while no one subscribed, are read from the file as before, so
// the memory the cache takes is bounded (16 MiB at most by default, a few megabytes for
// events of a few hundred bytes) whatever the log's size. ReadStream always reads the file.
package jsonl
