package main

import (
	"context"

	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// Keys of the write cases, used by the report and the targets.
const (
	keyRawSync     = "raw-sync"
	keyGroupCommit = "group-commit"
	keyWriteOnly   = "write-only"
	keyGroupWrite  = "group-write"
	keyMapMutex    = "map-mutex"
	keyMemory      = "memory"
	keyJSONL       = "jsonl-durable"
	keyJSONLNoSync = "jsonl-nosync"
	keyJetStream   = "jetstream"
	keySQLite      = "sqlite"
	keyHallgren    = "hallgren-memory"
)

// writeCase is one system measured at one or more writer counts.
type writeCase struct {
	key   string
	title string
	group string // "baseline", "eventgraph" or "peer"
	// writers restricts the writer counts the case runs at; nil means every requested count.
	writers func(n int) bool
	// baselines names the cases this one is compared with at the same writer count (a func
	// so the raw loop can stand for one writer and group commit for many); with more than
	// one, each round compares with the fastest of them (see fastest).
	baselines func(n int) []string
	// durable cases also time every append (p50/p99): their appends take hundreds of µs, so
	// the two clock reads do not matter.
	durable bool
	// inMemory cases write nothing to disk (see planWrites).
	inMemory bool
	open     func(ctx context.Context, dir string) (writeTarget, error)
}

// readCase is one system measured reading a whole stream.
type readCase struct {
	key   string
	title string
	open  func(ctx context.Context, dir string) (readTarget, error)
}

func oneWriter(n int) bool   { return n == 1 }
func manyWriters(n int) bool { return n > 1 }

// durableBaseline is what a durable store is compared with: the raw write+fdatasync loop for
// one writer, naive group commit for many.
func durableBaseline(n int) []string {
	if n == 1 {
		return []string{keyRawSync}
	}
	return []string{keyGroupCommit}
}

// noSyncBaselines is what the no-sync log is compared with: the write-only loop for one
// writer; for more, the faster in each round of the write-only loop and the group write.
// With many writers the write-only loop is a convoy on its mutex (each goroutine makes its own
// write(2) while the others queue), which no log that batches would be held to; the group
// write batches naively, but can lose to the loop when few writers queue at once.
func noSyncBaselines(n int) []string {
	if n == 1 {
		return []string{keyWriteOnly}
	}
	return []string{keyWriteOnly, keyGroupWrite}
}

func same(key string) func(int) []string { return func(int) []string { return []string{key} } }

func writeCases() []writeCase {
	return append([]writeCase{
		{key: keyRawSync, title: "raw write+fdatasync loop", durable: true, group: "baseline", writers: oneWriter,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openFileLog(dir, true) }},
		{key: keyGroupCommit, title: "naive group commit (write what is pending, one fdatasync)", durable: true, group: "baseline", writers: manyWriters,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openGroupCommit(dir, true) }},
		{key: keyWriteOnly, title: "write without sync (write(2) per line)", group: "baseline",
			open: func(_ context.Context, dir string) (writeTarget, error) { return openFileLog(dir, false) }},
		{key: keyGroupWrite, title: "naive group write (write what is pending, no sync)", group: "baseline", writers: manyWriters,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openGroupCommit(dir, false) }},
		{key: keyMapMutex, title: "in-memory map + mutex", group: "baseline", inMemory: true,
			open: func(context.Context, string) (writeTarget, error) { return newMapMutex(), nil }},
		{key: keyMemory, title: "eventgraph memory store", group: "eventgraph", baselines: same(keyMapMutex), inMemory: true,
			open: func(context.Context, string) (writeTarget, error) { return storeTarget{s: memory.New()}, nil }},
		{key: keyJSONL, title: "eventgraph JSONL, durable (fsync on ack)", durable: true, group: "eventgraph", baselines: durableBaseline,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openJSONL(dir) }},
		{key: keyJSONLNoSync, title: "eventgraph JSONL, no sync", group: "eventgraph", baselines: noSyncBaselines,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openJSONL(dir, jsonl.WithNoSync()) }},
		{key: keyJetStream, title: "NATS JetStream (embedded, file, sync always)", durable: true, group: "peer", baselines: durableBaseline,
			open: func(ctx context.Context, dir string) (writeTarget, error) { return openJetStream(ctx, dir) }},
		{key: keySQLite, title: "SQLite (WAL, synchronous=FULL)", durable: true, group: "peer", baselines: durableBaseline,
			open: func(ctx context.Context, dir string) (writeTarget, error) { return openSQLite(ctx, dir) }},
		{key: keyHallgren, title: "hallgren/eventsourcing memory store", group: "peer", baselines: same(keyMapMutex), inMemory: true,
			open: func(context.Context, string) (writeTarget, error) { return newHallgrenMemory(), nil }},
	}, postgresWriteCases()...)
}

func readCases() []readCase {
	return append([]readCase{
		{key: keyMemory, title: "eventgraph memory store",
			open: func(context.Context, string) (readTarget, error) { return storeTarget{s: memory.New()}, nil }},
		{key: keyJSONL, title: "eventgraph JSONL (durable)",
			open: func(_ context.Context, dir string) (readTarget, error) { return openJSONL(dir) }},
		{key: keySQLite, title: "SQLite (WAL, synchronous=FULL)",
			open: func(ctx context.Context, dir string) (readTarget, error) { return openSQLite(ctx, dir) }},
		{key: keyJetStream, title: "NATS JetStream (ordered consumer)",
			open: func(ctx context.Context, dir string) (readTarget, error) { return openJetStream(ctx, dir) }},
	}, postgresReadCases()...)
}

func openJSONL(dir string, opts ...jsonl.Option) (storeTarget, error) {
	s, err := jsonl.Open(dir, opts...)
	if err != nil {
		return storeTarget{}, err
	}
	return storeTarget{s: s}, nil
}
