// Command migrate copies a JSONL event log into a PostgreSQL event store, keeping every
// event's position, stream version, id, time, data and metadata, so the servers can move
// from --store jsonl to --store postgres and every client's positions stay valid.
//
// Usage:
//
//	migrate [flags] DIR
//
//	--postgres-url URL       the destination database (or EVENTGRAPH_POSTGRES_URL)
//	--postgres-schema NAME   the destination schema, 1 to 63 bytes (or EVENTGRAPH_POSTGRES_SCHEMA;
//	                         default eventgraph)
//	--batch N                events per transaction (default 1000; fewer when they add up to
//	                         over 64 MiB)
//	--max-event-size BYTES   the largest event the destination accepts (default 1048576,
//	                         store.DefaultMaxEventSize): for a log written with a larger limit
//	                         (jsonl.WithMaxEventSize), that limit
//	--progress=false         no progress on stderr (a bar on a terminal, else a line every 5 s)
//
// Flags may come before or after DIR; a flag wins over its environment variable.
//
// SIGINT or SIGTERM stops the copy at once (exit status 1): the batch in flight commits or
// rolls back whole, and the destination keeps the batches before it, so that running again
// continues after them. A second signal ends the process at once.
//
// Stop the server that writes DIR first: migrate fails while a server holds the log, and
// while it runs it holds a shared lock on DIR/LOCK, so that no server starts on the log. It
// opens the log read-only (jsonl.OpenReadOnly) and neither writes to it nor cuts it, so DIR
// may be a read-only backup. The one change it may make in DIR is to create DIR/LOCK, empty,
// when the log has none (a backup of the log file alone) and DIR is writable, to lock it;
// that file stays (where none can be made, it reads without a lock). A missing DIR or log
// is an error. A torn tail (an unfinished last commit, which a server would cut off when it
// opens the log) is not copied, and migrate says how many bytes it left. The destination
// must be empty or hold a prefix of the log (an earlier, interrupted or completed copy);
// migrate checks that prefix event by event and copies the rest, each batch in one
// transaction, so an interrupted copy is resumed by running the command again. A
// destination that differs from the log is refused and left unchanged. The exit status is
// 0 on success, 1 on failure and 2 for bad usage.
//
// The sagas' checkpoints (DIR/checkpoints.json) are copied after the events, except one
// that does not belong to the copied log (beyond its head, or naming other events), which
// migrate names and leaves out, as a server would ignore it.
//
// PostgreSQL limits a stream id to postgres.MaxStreamIDBytes (2048 bytes: its index on
// stream ids cannot hold much longer keys), while a JSONL log limits only an event's whole
// size, so a log with a longer stream id cannot be copied: migrate copies the batches before
// the one that holds the first such event and fails on it, saying so, each time it is run.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	told := make(chan struct{}) // closed once the operator is told of the signal
	go func() {
		defer close(told)
		<-ctx.Done()
		// Reading a large log or waiting on a server that stopped answering may take long:
		// a second signal ends the process at once, as the signal's default action does.
		stop()
		nl := ""
		if isTerminal(os.Stderr) {
			nl = "\n" // after the progress bar
		}
		fmt.Fprintf(os.Stderr, "%smigrate: interrupted: stopping; the destination keeps the batches copied so far, and running again continues after them (a second signal ends migrate at once)\n", nl)
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if ctx.Err() != nil {
		<-told // run returns as soon as the copy stops: say why before exiting
	}
	os.Exit(code)
}
