package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventgraph/eventgraph/internal/cliargs"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// config is what the flags say.
type config struct {
	dir, url, schema string
	batch            int
	batchBytes       int // a batch ends before the event that would take it past this; not a flag
	maxEventSize     int
	progress         bool
}

// synopsis is the usage's first lines; usage adds the flags.
const synopsis = `usage: migrate [flags] DIR

Copies the JSONL event log in DIR into PostgreSQL, keeping its positions.
Flags may come before or after DIR; a flag wins over its environment variable.

`

// newFlags returns migrate's flags, set into c. Their defaults are the built-in ones, not
// the environment's, so that the usage never shows EVENTGRAPH_POSTGRES_URL (it may hold a
// password).
func newFlags(c *config) *flag.FlagSet {
	flags := flag.NewFlagSet("migrate", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // run reports errors and usage itself, each once
	flags.Usage = func() {}
	flags.StringVar(&c.url, "postgres-url", "", "destination database `URL` (or EVENTGRAPH_POSTGRES_URL)")
	flags.StringVar(&c.schema, "postgres-schema", postgres.DefaultSchema, "destination `schema` (or EVENTGRAPH_POSTGRES_SCHEMA)")
	flags.IntVar(&c.batch, "batch", 1000, "events per transaction (fewer when they add up to over 64 MiB)")
	flags.IntVar(&c.maxEventSize, "max-event-size", store.DefaultMaxEventSize, "the largest event the destination accepts, in `bytes` (the limit the log was written with)")
	flags.BoolVar(&c.progress, "progress", true, "show progress on stderr (a bar on a terminal, else a line every 5 s)")
	return flags
}

// usage writes the usage with every flag.
func usage(w io.Writer) {
	fmt.Fprint(w, synopsis)
	flags := newFlags(&config{})
	flags.SetOutput(w)
	flags.PrintDefaults()
}

// parse parses the command line, taking what the flags leave unset from the environment. It
// returns flag.ErrHelp for -h and --help.
func parse(args []string, getenv func(string) string) (config, error) {
	var c config
	flags := newFlags(&c)
	dirs, err := cliargs.Parse(flags, args)
	if err != nil {
		return c, err
	}
	set := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["postgres-url"] {
		c.url = getenv("EVENTGRAPH_POSTGRES_URL")
	}
	if v := getenv("EVENTGRAPH_POSTGRES_SCHEMA"); !set["postgres-schema"] && v != "" {
		c.schema = v
	}
	switch {
	case len(dirs) != 1:
		return c, fmt.Errorf("want one log directory, got %d arguments %q", len(dirs), dirs)
	case dirs[0] == "":
		return c, errors.New(`empty log directory "" (an unset variable?); "." is the current directory`)
	case c.url == "":
		return c, errors.New("no destination: set --postgres-url or EVENTGRAPH_POSTGRES_URL")
	case c.batch <= 0 || c.batch > maxBatch:
		return c, fmt.Errorf("invalid --batch %d: must be 1 to %d", c.batch, maxBatch)
	case c.maxEventSize <= 0 || c.maxEventSize > maxEventSize:
		return c, fmt.Errorf("invalid --max-event-size %d: must be 1 to %d", c.maxEventSize, maxEventSize)
	case c.schema == "" || len(c.schema) > postgres.MaxSchemaBytes || strings.ContainsRune(c.schema, 0):
		// postgres.Open refuses it too, but only after the log has been opened and read.
		return c, fmt.Errorf("invalid --postgres-schema %q: must be 1 to %d bytes, with no NUL", c.schema, postgres.MaxSchemaBytes)
	}
	if fi, err := os.Stat(dirs[0]); err == nil && !fi.IsDir() {
		return c, fmt.Errorf("%s is a file, not a log directory: give the directory that holds %s (here %s)",
			dirs[0], jsonl.LogFile, filepath.Dir(dirs[0]))
	}
	c.dir = dirs[0]
	c.batchBytes = maxBatchBytes
	return c, nil
}

// run runs the command and returns its exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	c, err := parse(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "migrate: %v (migrate --help shows the usage)\n", err)
		return exitUsage
	}
	if err := migrate(ctx, c, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "migrate: %v\n", err)
		return exitFail
	}
	return exitOK
}

// migrate copies the log of c.dir into the destination, after the prefix it already holds.
func migrate(ctx context.Context, c config, stdout, stderr io.Writer) error {
	// Read-only: the source is left as it is (a torn tail too), and may be a read-only backup.
	src, err := jsonl.OpenReadOnlyContext(ctx, c.dir, jsonl.WithMaxEventSize(c.maxEventSize)) // a signal stops a long open
	if errors.Is(err, jsonl.ErrLocked) {
		return fmt.Errorf("%w (stop the server that writes %s first)", err, c.dir)
	}
	if errors.Is(err, fs.ErrNotExist) {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe
		}
		return fmt.Errorf("no event log in %s: %w", c.dir, err)
	}
	if err != nil {
		return err
	}
	defer src.Close()
	if rep := src.Recovery(); rep.TornBytes > 0 {
		fmt.Fprintf(stdout, "the log ends in a torn tail of %d bytes after byte offset %d (an unfinished commit, %d complete lines): it is not copied, and left in place\n",
			rep.TornBytes, rep.Valid, rep.TornLines)
	}
	dst, err := postgres.Open(ctx, c.url, postgres.WithSchema(c.schema), postgres.WithMaxEventSize(c.maxEventSize))
	if err != nil {
		return err
	}
	defer dst.Close()

	srcHead, err := src.Head(ctx)
	if err != nil {
		return err
	}
	dstHead, err := dst.Head(ctx)
	if err != nil {
		return err
	}
	if dstHead > srcHead {
		return fmt.Errorf("the destination holds %d events, the log only %d: it is not a copy of this log", dstHead, srcHead)
	}
	if dstHead > 0 {
		if err := samePrefix(ctx, src, dst, dstHead); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "the destination already holds events 1-%d of the log, identical; continuing after them\n", dstHead)
	}

	if dstHead == srcHead {
		fmt.Fprintf(stdout, "nothing to copy: the destination holds all %d events of the log\n", srcHead)
		return copyCheckpoints(ctx, src, dst, srcHead, stdout)
	}
	bar := newProgress(stderr, c.progress, isTerminal(stderr), int64(dstHead), int64(srcHead))
	start := time.Now()
	batch := make([]store.Event, 0, min(c.batch, 1024)) // grows to a batch as events come
	batchBytes := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := dst.Import(ctx, batch); err != nil {
			return err
		}
		bar.set(int64(batch[len(batch)-1].Position))
		clear(batch) // let the events go
		batch, batchBytes = batch[:0], 0
		return nil
	}
	for e, err := range src.ReadAll(ctx, dstHead) {
		if err != nil {
			bar.done()
			if ctx.Err() != nil {
				return copyError(err) // interrupted: what is copied stays
			}
			return fmt.Errorf("read the log: %w", err)
		}
		if e.Position > srcHead {
			break // the log cannot grow while we read it, but be exact
		}
		// A batch is held in memory and sent in one message, which PostgreSQL refuses past
		// 1 GB: with events near 1 MiB, or a larger --max-event-size, --batch alone would
		// let it get there.
		size := eventSize(e)
		if len(batch) > 0 && batchBytes+size > c.batchBytes {
			if err := flush(); err != nil {
				bar.done()
				return copyError(err)
			}
		}
		batch, batchBytes = append(batch, e), batchBytes+size
		if len(batch) == c.batch {
			if err := flush(); err != nil {
				bar.done()
				return copyError(err)
			}
		}
	}
	if err := flush(); err != nil {
		bar.done()
		return copyError(err)
	}
	bar.done()
	copied := srcHead - dstHead
	fmt.Fprintf(stdout, "copied %d events (positions %d-%d) into schema %s in %v; the destination's head is %d\n",
		copied, dstHead+1, srcHead, c.schema, time.Since(start).Round(time.Millisecond), srcHead)
	return copyCheckpoints(ctx, src, dst, srcHead, stdout)
}

// copyCheckpoints saves the log's saga checkpoints in the destination, which now holds the
// events they name at the same positions, so the first server there resumes each saga where
// it stopped instead of replaying the log (and deciding anew commands it had rejected).
// PostgreSQL keeps a checkpoint already there that is further on. A checkpoint that does
// not belong to the copied log (one beyond its head, or naming other events: a
// checkpoints.json left beside a restored log, or copied after the log while a server ran)
// is not copied, and it says so: a server would ignore it and read the log from its start.
// Nor is one whose name no store keeps (store.CheckCheckpoint; a file edited by hand), which
// no saga can have.
func copyCheckpoints(ctx context.Context, src *jsonl.Store, dst store.Checkpointer, head store.Position, stdout io.Writer) error {
	cps, err := src.Checkpoints(ctx)
	if err != nil {
		return fmt.Errorf("the events are copied, the saga checkpoints not: %w (move %s aside and run again: the sagas will then replay the log once)", err, jsonl.CheckpointFile)
	}
	for _, name := range slices.Sorted(maps.Keys(cps)) {
		c := cps[name]
		if err := store.CheckCheckpoint(name, c); err != nil {
			fmt.Fprintf(stdout, "not copied: checkpoint %q (position %d), which no saga can have: %v\n", name, c.Position, err)
			continue
		}
		why, err := foreign(ctx, src, c, head)
		if err != nil {
			return fmt.Errorf("the events are copied, checkpoint %q not: %w (run again to retry)", name, err)
		}
		if why != "" {
			fmt.Fprintf(stdout, "not copied: checkpoint %q (position %d), which does not belong to this log: %s\n", name, c.Position, why)
			continue
		}
		if err := dst.SaveCheckpoint(ctx, name, c); err != nil {
			return fmt.Errorf("the events are copied, checkpoint %q not: %w (run again to retry)", name, err)
		}
		// The destination keeps a checkpoint further on that it held (a server there ran).
		kept, err := dst.Checkpoint(ctx, name)
		switch {
		case err != nil:
			return fmt.Errorf("the events are copied, checkpoint %q maybe not: %w (run again to retry)", name, err)
		case kept != c:
			fmt.Fprintf(stdout, "kept checkpoint %q at position %d, which the destination held (the log's is at %d)\n", name, kept.Position, c.Position)
		default:
			fmt.Fprintf(stdout, "saved checkpoint %q (position %d)\n", name, c.Position)
		}
	}
	return nil
}

// foreign says why checkpoint c does not belong to the first head events of the log, or
// returns "" when it does: as a saga checks it when it resumes, the events at its position
// and at the head it was saved with must be the ones it names.
func foreign(ctx context.Context, src store.Store, c store.Checkpoint, head store.Position) (string, error) {
	switch {
	case c.Position <= 0 || c.Position > c.Head:
		return fmt.Sprintf("position %d with head %d", c.Position, c.Head), nil
	case c.Head > head:
		return fmt.Sprintf("saved when the log's head was %d, beyond the %d events copied", c.Head, head), nil
	}
	for _, at := range []struct {
		p  store.Position
		id string
	}{{c.Position, c.EventID}, {c.Head, c.HeadEventID}} {
		for e, err := range src.ReadAll(ctx, at.p-1) {
			if err != nil {
				return "", err
			}
			if e.ID != at.id {
				return fmt.Sprintf("it names event %q at position %d, where the log has %q", at.id, at.p, e.ID), nil
			}
			break
		}
	}
	return "", nil
}

// samePrefix checks that the destination's first n events equal the log's.
func samePrefix(ctx context.Context, src, dst store.Store, n store.Position) error {
	next, stop := iter.Pull2(dst.ReadAll(ctx, 0))
	defer stop()
	for a, err := range src.ReadAll(ctx, 0) {
		if err != nil {
			return err
		}
		if a.Position > n {
			return nil
		}
		b, err, ok := next()
		if !ok {
			return fmt.Errorf("the destination ends before position %d", a.Position)
		}
		if err != nil {
			return err
		}
		if d := differ(a, b); d != "" {
			return fmt.Errorf("the destination differs from the log at position %d (%s): it is not a copy of this log; nothing was written", a.Position, d)
		}
	}
	return nil
}

// differ names the first field in which two copies of an event differ, or returns "".
func differ(a, b store.Event) string {
	switch {
	case a.Position != b.Position:
		return fmt.Sprintf("position %d vs %d", a.Position, b.Position)
	case a.ID != b.ID:
		return fmt.Sprintf("id %q vs %q", a.ID, b.ID)
	case a.StreamID != b.StreamID || a.Version != b.Version:
		return fmt.Sprintf("%q version %d vs %q version %d", a.StreamID, a.Version, b.StreamID, b.Version)
	case a.Type != b.Type:
		return fmt.Sprintf("type %q vs %q", a.Type, b.Type)
	case !bytes.Equal(a.Data, b.Data):
		return "data"
	case !maps.Equal(a.Metadata, b.Metadata):
		return "metadata"
	case !a.Time.Truncate(time.Microsecond).Equal(b.Time):
		return fmt.Sprintf("time %v vs %v", a.Time, b.Time)
	}
	return ""
}

// maxBatch bounds --batch: a batch is held in memory and written in one transaction.
const maxBatch = 100_000

// maxBatchBytes bounds the size of a batch (eventSize), whatever --batch says.
const maxBatchBytes = 64 << 20

// maxEventSize bounds --max-event-size: no event of a JSONL log is bigger, as the log
// refuses lines over 1 GiB.
const maxEventSize = 1 << 30

// eventSize is what an event counts for in a batch: its data, metadata and strings.
func eventSize(e store.Event) int {
	n := len(e.ID) + len(e.StreamID) + len(e.Type) + len(e.Data)
	for k, v := range e.Metadata {
		n += len(k) + len(v)
	}
	return n
}

// copyError is the error of a failed copy, saying what the destination holds and whether
// running again can help: an event the destination refuses (store.ErrInvalid: over its size
// limit, say) is refused again, while a lost connection or a full disk may not recur.
func copyError(err error) error {
	if errors.Is(err, store.ErrInvalid) {
		return fmt.Errorf("copy: %w (the destination holds a consistent prefix, up to the batch before the one holding this event; it refuses the event, so running again fails here again, unless the event is over the size limit and --max-event-size admits it)", err)
	}
	return fmt.Errorf("copy: %w (the destination holds a consistent prefix: run again to continue)", err)
}
