// Command migrate copies a JSONL event log into a PostgreSQL event store, keeping every
// event's position, stream version, id, time, data and metadata, so the servers can move
// from --store jsonl to --store postgres and every client's positions stay valid.
//
// Usage:
//
//	migrate [flags] DIR
//
//	--postgres-url URL       the destination database (or EVENTGRAPH_POSTGRES_URL)
//	--postgres-schema NAME   the destination schema (or EVENTGRAPH_POSTGRES_SCHEMA; default eventgraph)
//	--batch N                events per transaction (default 1000)
//	--progress=false         no progress on stderr (a bar on a terminal, else a line every 5 s)
//
// Flags may come before or after DIR.
//
// Stop the server that writes DIR first: migrate fails while a server holds the log (and
// holds DIR/LOCK, when there is one, so that no server starts on it meanwhile). It opens the log read-only
// (jsonl.OpenReadOnly) and changes nothing in DIR, so DIR may be a read-only backup; a
// missing DIR or log is an error. A torn tail (an unfinished last commit, which a server
// would cut off when it opens the log) is not copied, and migrate says how many bytes it
// left. The destination must be empty or hold a prefix of the log (an earlier, interrupted
// or completed copy); migrate checks that prefix event by event and copies the rest, each
// batch in one transaction, so an interrupted copy is resumed by running the command again.
// A destination that differs from the log is refused and left unchanged. The exit status is
// 0 on success, 1 on failure and 2 for bad usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
