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
//	--progress=false         no progress bar on stderr
//
// Stop the server that writes DIR first: migrate opens the log as a store does and fails
// while another process holds it. The destination must be empty or hold a prefix of the
// log (an earlier, interrupted or completed copy); migrate checks that prefix event by event
// and copies the rest, each batch in one transaction, so an interrupted copy is resumed by
// running the command again. A destination that differs from the log is refused and left
// unchanged. The exit status is 0 on success, 1 on failure and 2 for bad usage.
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
