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
	// baseline names the case this one is compared with at the same writer count (a func so
	// the raw loop can stand for one writer and group commit for many).
	baseline func(n int) string
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
func durableBaseline(n int) string {
	if n == 1 {
		return keyRawSync
	}
	return keyGroupCommit
}

func same(key string) func(int) string { return func(int) string { return key } }

func writeCases() []writeCase {
	return append([]writeCase{
		{key: keyRawSync, title: "raw write+fdatasync loop", durable: true, group: "baseline", writers: oneWriter,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openFileLog(dir, true) }},
		{key: keyGroupCommit, title: "naive group commit (write all pending, one fdatasync)", durable: true, group: "baseline", writers: manyWriters,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openGroupCommit(dir) }},
		{key: keyWriteOnly, title: "write without sync (write(2) per line)", group: "baseline",
			open: func(_ context.Context, dir string) (writeTarget, error) { return openFileLog(dir, false) }},
		{key: keyMapMutex, title: "in-memory map + mutex", group: "baseline", inMemory: true,
			open: func(context.Context, string) (writeTarget, error) { return newMapMutex(), nil }},
		{key: keyMemory, title: "eventgraph memory store", group: "eventgraph", baseline: same(keyMapMutex), inMemory: true,
			open: func(context.Context, string) (writeTarget, error) { return storeTarget{s: memory.New()}, nil }},
		{key: keyJSONL, title: "eventgraph JSONL, durable (fsync on ack)", durable: true, group: "eventgraph", baseline: durableBaseline,
			open: func(_ context.Context, dir string) (writeTarget, error) { return openJSONL(dir) }},
		{key: keyJSONLNoSync, title: "eventgraph JSONL, no sync", group: "eventgraph", baseline: same(keyWriteOnly),
			open: func(_ context.Context, dir string) (writeTarget, error) { return openJSONL(dir, jsonl.WithNoSync()) }},
		{key: keyJetStream, title: "NATS JetStream (embedded, file, sync always)", durable: true, group: "peer", baseline: durableBaseline,
			open: func(ctx context.Context, dir string) (writeTarget, error) { return openJetStream(ctx, dir) }},
		{key: keySQLite, title: "SQLite (WAL, synchronous=FULL)", durable: true, group: "peer", baseline: durableBaseline,
			open: func(ctx context.Context, dir string) (writeTarget, error) { return openSQLite(ctx, dir) }},
		{key: keyHallgren, title: "hallgren/eventsourcing memory store", group: "peer", baseline: same(keyMapMutex), inMemory: true,
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
