package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// writeLog appends n events after those already in the log at dir, spread over streams,
// with data whose key order and number spelling must survive the copy.
func writeLog(tb testing.TB, dir string, from, n int) {
	tb.Helper()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	for i := from; i < from+n; i++ {
		_, err := s.Append(tb.Context(), fmt.Sprint("stream-", i%7), store.Any, store.EventData{
			Type:     "T",
			Data:     []byte(fmt.Sprintf(`{"z": %d, "a": 1.50, "s": "\u00e9"}`, i)),
			Metadata: map[string]string{"commandId": fmt.Sprint("c", i)},
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func readAll(tb testing.TB, s store.Store) []store.Event {
	tb.Helper()
	var out []store.Event
	for e, err := range s.ReadAll(tb.Context(), 0) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// sameLog checks that the schema holds exactly the log's events (its whole commits).
func sameLog(tb testing.TB, dir, url, schema string) {
	tb.Helper()
	src, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(tb.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		tb.Fatal(err)
	}
	defer dst.Close()
	want, got := readAll(tb, src), readAll(tb, dst)
	if len(got) != len(want) {
		tb.Fatalf("destination holds %d events, the log %d", len(got), len(want))
	}
	for i := range want {
		if d := differ(want[i], got[i]); d != "" {
			tb.Fatalf("event %d differs: %s", i+1, d)
		}
	}
}

// saveCheckpoint saves, in the log at dir, a checkpoint under name at position p, with the
// log's head, as a saga would, and returns it.
func saveCheckpoint(tb testing.TB, dir, name string, p store.Position) store.Checkpoint {
	tb.Helper()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	events := readAll(tb, s)
	head := events[len(events)-1]
	c := store.Checkpoint{Position: p, EventID: events[p-1].ID, Head: head.Position, HeadEventID: head.ID}
	if err := s.SaveCheckpoint(tb.Context(), name, c); err != nil {
		tb.Fatal(err)
	}
	return c
}

// sameCheckpoint checks that the schema holds checkpoint want under name.
func sameCheckpoint(tb testing.TB, url, schema, name string, want store.Checkpoint) {
	tb.Helper()
	dst, err := postgres.Open(tb.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		tb.Fatal(err)
	}
	defer dst.Close()
	if got, err := dst.Checkpoint(tb.Context(), name); err != nil || got != want {
		tb.Fatalf("destination's checkpoint %q = %+v, %v; want %+v", name, got, err, want)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runMigrate(tb testing.TB, env map[string]string, args ...string) result {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestRun_copiesTheLogWithItsPositions(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 250)
	want := saveCheckpoint(t, dir, "saga:test", 200)
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": url}

	r := runMigrate(t, env, "--postgres-schema", schema, "--batch", "100", dir)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "copied 250 events (positions 1-250)") {
		t.Errorf("stdout %q: want the number of events copied", r.stdout)
	}
	if !strings.Contains(r.stdout, `saved checkpoint "saga:test" (position 200)`) {
		t.Errorf("stdout %q: want the checkpoint saved", r.stdout)
	}
	sameCheckpoint(t, url, schema, "saga:test", want)
	if !strings.Contains(r.stderr, "100.0%") || !strings.Contains(r.stderr, "250/250 events") {
		t.Errorf("stderr %q: want a progress bar ending at 100%%", r.stderr)
	}
	sameLog(t, dir, url, schema)

	t.Run("a checkpoint saved since is copied though no event is", func(t *testing.T) {
		want := saveCheckpoint(t, dir, "saga:test", 250)
		r := runMigrate(t, env, "--postgres-schema", schema, dir)
		if r.code != exitOK || !strings.Contains(r.stdout, "nothing to copy") || !strings.Contains(r.stdout, `saved checkpoint "saga:test" (position 250)`) {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		sameCheckpoint(t, url, schema, "saga:test", want)
	})

	t.Run("a second run finds the copy complete and writes nothing", func(t *testing.T) {
		r := runMigrate(t, env, "--postgres-schema", schema, dir)
		if r.code != exitOK || !strings.Contains(r.stdout, "nothing to copy: the destination holds all 250 events") || r.stderr != "" {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		sameLog(t, dir, url, schema)
	})

	t.Run("events appended to the log since are copied after the prefix", func(t *testing.T) {
		writeLog(t, dir, 250, 40)
		r := runMigrate(t, env, "--postgres-schema", schema, "--progress=false", dir)
		if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "already holds events 1-250") || !strings.Contains(r.stdout, "copied 40 events (positions 251-290)") {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		sameLog(t, dir, url, schema)
	})

	t.Run("the copied store continues the log", func(t *testing.T) {
		dst, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		a, err := dst.Append(t.Context(), "stream-0", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		// stream-0 holds events 0, 7, ..., 287 of the 290: 42 of them.
		if err != nil || a.Position != 291 || a.Version != 43 {
			t.Errorf("Append after the copy = %+v, %v; want position 291, version 43", a, err)
		}
	})
}

func TestRun_refusesADestinationThatIsNotACopy(t *testing.T) {
	url := pgtest.URL(t)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 20)
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": url}

	for _, tc := range []struct {
		name   string
		events int // written to the destination first, through the store
		want   string
	}{
		{"different events", 5, "differs from the log at position 1"},
		{"more events than the log", 25, "not a copy of this log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema := pgtest.Schema(t, url)
			dst, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			for i := range tc.events {
				if _, err := dst.Append(t.Context(), "other", store.Any, store.EventData{Type: "X", Data: []byte(fmt.Sprint(i))}); err != nil {
					t.Fatal(err)
				}
			}
			r := runMigrate(t, env, "--postgres-schema", schema, dir)
			if r.code != exitFail || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 saying %q", r.code, r.stderr, tc.want)
			}
			if h, _ := dst.Head(t.Context()); h != store.Position(tc.events) {
				t.Errorf("destination head %d after the refusal, want %d (unchanged)", h, tc.events)
			}
		})
	}
}

// TestRun_refusesADestinationAheadOfTheLog: a destination that holds the log's events and
// more (a copy of the log as it was later on, the log since restored from an older backup)
// is refused, not taken for a copy to continue.
func TestRun_refusesADestinationAheadOfTheLog(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 25)
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": url}
	if r := runMigrate(t, env, "--postgres-schema", schema, "--progress=false", dir); r.code != exitOK {
		t.Fatalf("first copy: exit %d, stderr %q", r.code, r.stderr)
	}
	// The log as an older backup holds it: its first 20 events (one commit each).
	edit := func(b []byte) []byte {
		at := 0
		for range 20 {
			at += bytes.IndexByte(b[at:], '\n') + 1
		}
		return b[:at]
	}
	path := filepath.Join(dir, jsonl.LogFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(b), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMigrate(t, env, "--postgres-schema", schema, "--progress=false", dir)
	if r.code != exitFail || !strings.Contains(r.stderr, "the destination holds 25 events, the log only 20") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 saying the destination holds more", r.code, r.stdout, r.stderr)
	}
}

// TestRun_refusesAPrefixThatDiffersInAnyField: before it continues a copy, migrate compares
// every event the destination holds with the log's, up to and including the last, field by
// field: a destination whose last event differs in one field is refused and left unchanged.
func TestRun_refusesAPrefixThatDiffersInAnyField(t *testing.T) {
	url := pgtest.URL(t)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 20)
	src, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	events := readAll(t, src)
	src.Close()
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": url}
	for _, tc := range []struct {
		field  string
		change func(e *store.Event)
	}{
		{"id", func(e *store.Event) { e.ID = "another-id" }},
		{"type", func(e *store.Event) { e.Type = "U" }},
		{"data", func(e *store.Event) { e.Data = []byte(`{"z":-1}`) }},
		{"metadata", func(e *store.Event) { e.Metadata = map[string]string{"commandId": "another"} }},
		{"time", func(e *store.Event) { e.Time = e.Time.Add(time.Second) }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			schema := pgtest.Schema(t, url)
			prefix := slices.Clone(events[:10])
			last := prefix[9]
			last.Metadata = maps.Clone(last.Metadata)
			tc.change(&last)
			prefix[9] = last
			dst, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if _, err := dst.Import(t.Context(), prefix); err != nil {
				t.Fatal(err)
			}
			r := runMigrate(t, env, "--postgres-schema", schema, "--progress=false", dir)
			if r.code != exitFail || !strings.Contains(r.stderr, "differs from the log at position 10") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 naming position 10", r.code, r.stdout, r.stderr)
			}
			if h, _ := dst.Head(t.Context()); h != 10 {
				t.Errorf("destination head %d after the refusal, want 10 (unchanged)", h)
			}
		})
	}
}

func TestRun_resumesAnInterruptedCopy(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 30)
	// An interrupted copy: the first 12 events, as a batch of an earlier run left them.
	src, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := readAll(t, src)[:12]
	src.Close()
	dst, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Import(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	dst.Close()

	r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url, "EVENTGRAPH_POSTGRES_SCHEMA": schema}, "--batch", "7", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "copied 18 events (positions 13-30)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	sameLog(t, dir, url, schema)
}

// cancelOnWrite is a Writer that cancels a context at its first write.
type cancelOnWrite struct {
	cancel context.CancelFunc
	bytes.Buffer
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

// TestRun_interruptedWhileReadingTheLog: a signal that stops the copy while migrate reads
// the log (here, as the progress starts: before the first event is read) is a failure, exit
// status 1, saying that running again continues; the run that follows copies everything.
func TestRun_interruptedWhileReadingTheLog(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 30)
	env := func(k string) string { return map[string]string{"EVENTGRAPH_POSTGRES_URL": url}[k] }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &cancelOnWrite{cancel: cancel}
	var stdout bytes.Buffer
	code := run(ctx, []string{"--postgres-schema", schema, dir}, env, &stdout, stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "context canceled") || !strings.Contains(stderr.String(), "run again to continue") {
		t.Errorf("interrupted: exit %d, stdout %q, stderr %q; want exit 1 saying that running again continues", code, stdout.String(), stderr.String())
	}
	if r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", schema, "--progress=false", dir); r.code != exitOK || !strings.Contains(r.stdout, "positions 1-30") {
		t.Fatalf("run again: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	sameLog(t, dir, url, schema)
}

func TestRun_refusesALogAServerHolds(t *testing.T) {
	url := pgtest.URL(t)
	dir := filepath.Join(t.TempDir(), "data")
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", pgtest.Schema(t, url), dir)
	if r.code != exitFail || !strings.Contains(r.stderr, "stop the server") {
		t.Errorf("exit %d, stderr %q; want exit 1 asking to stop the server", r.code, r.stderr)
	}
}

func TestRun_usage(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no arguments", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, nil, "usage: migrate [flags] DIR"},
		{"no directory", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--batch", "5"}, "one log directory"},
		{"no destination", nil, []string{"dir"}, "--postgres-url"},
		{"bad batch", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--batch", "0", "dir"}, "--batch"},
		// A batch is held in memory: a huge one had run out of memory, after making the schema.
		{"huge batch", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--batch", "1000000000", "dir"}, "must be 1 to 100000"},
		{"batch of the largest int", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--batch", strconv.Itoa(math.MaxInt), "dir"}, "must be 1 to 100000"},
		{"unknown flag", nil, []string{"--nope", "dir"}, "nope"},
		{"unknown flag after the directory", nil, []string{"dir", "--nope"}, "nope"},
		{"two directories", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"dir", "--batch", "5", "other"}, `got 2 arguments ["dir" "other"]`},
		{"no max event size", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--max-event-size", "0", "dir"}, "--max-event-size"},
		{"max event size over 1 GiB", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--max-event-size", "1073741825", "dir"}, "must be 1 to 1073741824"},
		// Refused by the destination, the schema was an error (exit 1) after the log was read.
		{"empty schema", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--postgres-schema", "", "dir"}, "--postgres-schema"},
		{"schema over 63 bytes", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--postgres-schema", strings.Repeat("s", 70), "dir"}, "1 to 63 bytes"},
		{"schema over 63 bytes from the environment", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x", "EVENTGRAPH_POSTGRES_SCHEMA": strings.Repeat("s", 64)}, []string{"dir"}, "--postgres-schema"},
		{"schema with a NUL", map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}, []string{"--postgres-schema", "a\x00b", "dir"}, "--postgres-schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMigrate(t, tc.env, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

// TestParse_acceptsTheBounds: the bounds the usage gives are accepted, as they are.
func TestParse_acceptsTheBounds(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}[k] }
	for _, args := range [][]string{
		{"--batch", "1"},
		{"--batch", "100000"},
		{"--max-event-size", "1"},
		{"--max-event-size", "1073741824"},
		{"--postgres-schema", strings.Repeat("s", 63)},
	} {
		c, err := parse(append(args, "dir"), getenv)
		if err != nil {
			t.Errorf("parse(%q): %v, want it accepted", args, err)
			continue
		}
		if got := fmt.Sprint(map[string]any{"--batch": c.batch, "--max-event-size": c.maxEventSize, "--postgres-schema": c.schema}[args[0]]); got != args[1] {
			t.Errorf("parse(%q): %s %s, want %s", args, args[0], got, args[1])
		}
	}
}

// TestRun_usageSaysItOnce: --help prints the usage on stdout (found by review: on stderr,
// so "migrate --help | less" showed nothing); a usage error is one line (found by review:
// the flag package's message, the whole usage, then the message again), and the log file
// given for its directory is one that names the directory.
func TestRun_usageSaysItOnce(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		r := runMigrate(t, nil, arg)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "usage: migrate [flags] DIR\n") || !strings.Contains(r.stdout, "-postgres-url URL") || r.stderr != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 0 and the usage on stdout", arg, r.code, r.stdout, r.stderr)
		}
	}
	file := filepath.Join(t.TempDir(), jsonl.LogFile)
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://x"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope", "dir"}, "migrate: flag provided but not defined: -nope"},
		{[]string{"dir", "--batch", "many"}, `migrate: invalid value "many" for flag -batch`},
		{[]string{"dir", "other"}, "migrate: want one log directory"},
		{[]string{file}, "is a file, not a log directory: give the directory that holds events.jsonl (here " + filepath.Dir(file) + ")"},
		{[]string{""}, `empty log directory ""`}, // "$DIR" unset: the current directory's log had been copied
	} {
		r := runMigrate(t, env, tc.args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

// TestRun_usageNeverShowsTheURL: the URL may hold a password, and the usage showed the one
// from EVENTGRAPH_POSTGRES_URL as the flag's default (found by review).
func TestRun_usageNeverShowsTheURL(t *testing.T) {
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://app:s3cret@db/x", "EVENTGRAPH_POSTGRES_SCHEMA": "from_env"}
	for _, args := range [][]string{{"--help"}, {}, {"--nope", "dir"}} {
		r := runMigrate(t, env, args...)
		if strings.Contains(r.stdout+r.stderr, "s3cret") {
			t.Errorf("%q: the output shows the password:\n%s%s", args, r.stdout, r.stderr)
		}
	}
	c, err := parse([]string{"dir"}, func(k string) string { return env[k] })
	if err != nil || c.url != env["EVENTGRAPH_POSTGRES_URL"] || c.schema != "from_env" {
		t.Errorf("parse = %+v, %v; want the URL and schema of the environment", c, err)
	}
	c, err = parse([]string{"--postgres-url", "postgres://other", "--postgres-schema", "flag", "dir"}, func(k string) string { return env[k] })
	if err != nil || c.url != "postgres://other" || c.schema != "flag" {
		t.Errorf("parse = %+v, %v; want the flags' URL and schema, which win over the environment", c, err)
	}
}

// TestProgress_drawsInPlace: on a terminal the bar redraws on one line and ends it once.
func TestProgress_drawsInPlace(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true, true, 0, 10)
	p.drawn = time.Time{}
	p.set(5)
	p.set(10)
	p.done()
	out := b.String()
	if !strings.HasPrefix(out, "\r[") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 ||
		!strings.Contains(out, " 50.0%  5/10 events") || !strings.Contains(out, "100.0%  10/10 events") {
		t.Errorf("progress output %q", out)
	}
	b.Reset()
	p = newProgress(&b, false, true, 0, 10)
	p.set(10)
	p.done()
	if b.Len() != 0 {
		t.Errorf("progress with the bar off wrote %q", b.String())
	}
}

// TestProgress_writesLines: elsewhere than on a terminal (a log file, a pipe) the progress is
// whole lines, one when it starts, at most one every linesEvery, and one at the end, with no
// carriage return to leave every frame in the output.
func TestProgress_writesLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true, false, 0, 10)
	for at := int64(1); at <= 10; at++ {
		p.set(at) // all within linesEvery of the start: no line
	}
	p.done()
	out := b.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if strings.Contains(out, "\r") || len(lines) != 2 || !strings.Contains(lines[0], "  0.0%  0/10 events") ||
		!strings.Contains(lines[1], "100.0%  10/10 events") {
		t.Errorf("progress output %q: want a line at the start and one at the end", out)
	}
	b.Reset()
	p.drawn = p.drawn.Add(-linesEvery)
	p.set(10)
	if got := b.String(); !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("after linesEvery, set wrote %q; want one line", got)
	}
	if isTerminal(&b) {
		t.Error("a buffer taken for a terminal")
	}
}

func TestParse_flagsAfterTheDirectory(t *testing.T) {
	for _, args := range [][]string{
		{"dir", "--postgres-url", "postgres://x", "--batch", "5"},
		{"--batch", "5", "dir", "--postgres-url", "postgres://x"},
		{"--postgres-url", "postgres://x", "--batch", "5", "--", "dir"},
	} {
		c, err := parse(args, func(string) string { return "" })
		if err != nil || c.dir != "dir" || c.url != "postgres://x" || c.batch != 5 {
			t.Errorf("parse(%q) = %+v, %v; want dir, postgres://x, batch 5", args, c, err)
		}
	}
}

// TestRun_missingSource: a directory that holds no log is an error, before any connection,
// and nothing is created.
func TestRun_missingSource(t *testing.T) {
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": "postgres://127.0.0.1:1/unreachable"}
	t.Run("a missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "typo-dir")
		r := runMigrate(t, env, dir)
		if r.code != exitFail || !strings.Contains(r.stderr, "no event log in "+dir) || r.stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 saying there is no event log", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("migrate created the directory: %v", err)
		}
	})
	t.Run("an empty directory", func(t *testing.T) {
		dir := t.TempDir()
		r := runMigrate(t, env, dir)
		if r.code != exitFail || !strings.Contains(r.stderr, "no event log in "+dir) {
			t.Errorf("exit %d, stderr %q; want exit 1 saying there is no event log", r.code, r.stderr)
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("migrate created %q", names)
		}
	})
}

// dirNames returns the names of the files in dir.
func dirNames(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// snapshot returns the contents of every file in dir.
func snapshot(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, name := range dirNames(tb, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

// TestRun_leavesTheSourceAsItIs: a log with a torn tail is copied up to its last whole
// commit, migrate says what it left, and the directory is as it was: nothing cut, nothing
// created.
func TestRun_leavesTheSourceAsItIs(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 20)
	saveCheckpoint(t, dir, "saga:test", 10)
	path := filepath.Join(dir, jsonl.LogFile)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// An unfinished commit: half of the line of a 21st event.
	writeLog(t, dir, 20, 1)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	torn := (len(b) - len(whole)) / 2
	if err := os.WriteFile(path, b[:len(whole)+torn], 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", schema, "--progress=false", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "copied 20 events (positions 1-20)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if want := fmt.Sprintf("torn tail of %d bytes after byte offset %d", torn, len(whole)); !strings.Contains(r.stdout, want) {
		t.Errorf("stdout %q: want %q", r.stdout, want)
	}
	if after := snapshot(t, dir); !maps.Equal(after, before) {
		t.Errorf("the directory changed: it holds %q, held %q; %s is %d bytes, was %d",
			slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)), jsonl.LogFile, len(after[jsonl.LogFile]), len(before[jsonl.LogFile]))
	}
	sameLog(t, dir, url, schema)
}

// TestCopyError: a copy that failed on an event the destination refuses says that running
// again fails there again (it said "run again to continue" forever); another failure says
// to run again.
func TestCopyError(t *testing.T) {
	refused := copyError(fmt.Errorf("postgres: import: position 50: %w: event 0 is 4194380 bytes, over the limit", store.ErrInvalid))
	if !errors.Is(refused, store.ErrInvalid) || !strings.Contains(refused.Error(), "running again fails here again") || strings.Contains(refused.Error(), "run again to continue") {
		t.Errorf("an event the destination refuses: %v", refused)
	}
	lost := copyError(errors.New("postgres: import: connection reset"))
	if !strings.Contains(lost.Error(), "run again to continue") {
		t.Errorf("a lost connection: %v", lost)
	}
}

// writeEvents appends events to the log at dir, one append each, with a JSONL store opened
// with opts.
func writeEvents(tb testing.TB, dir string, opts []jsonl.Option, stream func(i int) string, data ...[]byte) {
	tb.Helper()
	s, err := jsonl.Open(dir, append([]jsonl.Option{jsonl.WithNoSync()}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	for i, d := range data {
		if _, err := s.Append(tb.Context(), stream(i), store.Any, store.EventData{Type: "T", Data: d}); err != nil {
			tb.Fatalf("the JSONL store refused event %d: %v", i, err)
		}
	}
}

// transactions returns how many transactions wrote the events of the schema.
func transactions(tb testing.TB, url, schema string) int {
	tb.Helper()
	conn, err := pgx.Connect(tb.Context(), url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	q := `SELECT count(DISTINCT xmin::text) FROM ` + pgx.Identifier{schema, "events"}.Sanitize()
	if err := conn.QueryRow(tb.Context(), q).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestRun_eventsOverTheDefaultSizeLimit: a log written with a size limit over the default
// (jsonl.WithMaxEventSize) is copied with --max-event-size; without it the destination
// refuses its big events. There was no way to copy such a log.
func TestRun_eventsOverTheDefaultSizeLimit(t *testing.T) {
	url := pgtest.URL(t)
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": url}
	dir := filepath.Join(t.TempDir(), "data")
	big := []byte(`"` + strings.Repeat("x", 2<<20) + `"`) // 2 MiB
	writeEvents(t, dir, []jsonl.Option{jsonl.WithMaxEventSize(4 << 20)}, func(int) string { return "s" },
		[]byte(`1`), big, big, big)

	t.Run("refused by default", func(t *testing.T) {
		schema := pgtest.Schema(t, url)
		r := runMigrate(t, env, "--postgres-schema", schema, "--progress=false", dir)
		if r.code != exitFail || !strings.Contains(r.stderr, "over the limit of 1048576") {
			t.Errorf("exit %d, stderr %q; want exit 1 saying the event is over the limit", r.code, r.stderr)
		}
	})
	t.Run("copied with --max-event-size", func(t *testing.T) {
		schema := pgtest.Schema(t, url)
		r := runMigrate(t, env, "--postgres-schema", schema, "--progress=false", "--max-event-size", fmt.Sprint(4<<20), dir)
		if r.code != exitOK || !strings.Contains(r.stdout, "copied 4 events") {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		sameLog(t, dir, url, schema)
	})
	// A batch is sent in one message, which PostgreSQL refuses past 1 GB: --batch alone let
	// big events get there.
	t.Run("batches end at a number of bytes", func(t *testing.T) {
		schema := pgtest.Schema(t, url)
		c, err := parse([]string{"--postgres-url", url, "--postgres-schema", schema, "--progress=false", "--max-event-size", fmt.Sprint(4 << 20), dir}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		c.batchBytes = 3 << 20 // 1 and 2 MiB fit, 2 and 2 do not
		if err := migrate(t.Context(), c, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		sameLog(t, dir, url, schema)
		if n := transactions(t, url, schema); n != 3 {
			t.Errorf("the copy took %d transactions, want 3 (events 1-2, 3, 4)", n)
		}
	})
}

// TestRun_streamIDOverPostgresLimit: a log with a stream id longer than PostgreSQL takes
// (postgres.MaxStreamIDBytes) is copied up to the batch that holds it, and each run fails
// on it saying why and that running again does not help (see the package documentation).
func TestRun_streamIDOverPostgresLimit(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	long := strings.Repeat("s", postgres.MaxStreamIDBytes+1)
	stream := func(i int) string {
		if i == 2 {
			return long
		}
		return "short"
	}
	writeEvents(t, dir, nil, stream, []byte(`1`), []byte(`2`), []byte(`3`), []byte(`4`))
	for range 2 {
		r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", schema, "--progress=false", "--batch", "2", dir)
		if r.code != exitFail || !strings.Contains(r.stderr, "stream id of 2049 bytes, over the limit of 2048") || !strings.Contains(r.stderr, "running again fails here again") {
			t.Errorf("exit %d, stderr %q; want exit 1 naming the stream id's limit", r.code, r.stderr)
		}
	}
	dst, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if h, err := dst.Head(t.Context()); err != nil || h != 2 {
		t.Errorf("destination head %d (%v), want 2: the batch before the long stream id's", h, err)
	}
}

// TestRun_locksALogCopiedWithoutItsLock: beside a log that has no LOCK file (a backup of
// the log file alone), migrate makes an empty one, to keep servers off the log while it
// copies, and leaves it; the log itself is as it was. The package documentation said that
// migrate changed nothing in DIR.
func TestRun_locksALogCopiedWithoutItsLock(t *testing.T) {
	url := pgtest.URL(t)
	dir := filepath.Join(t.TempDir(), "data")
	writeLog(t, dir, 0, 3)
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", pgtest.Schema(t, url), "--progress=false", dir)
	if r.code != exitOK {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	after := snapshot(t, dir)
	lock, made := after["LOCK"]
	delete(after, "LOCK")
	if !made || lock != "" || !maps.Equal(after, before) {
		t.Errorf("the directory held %q and holds %q (LOCK %q, made: %v); want the same and an empty LOCK",
			slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)), lock, made)
	}
}

// savedCheckpoints is a store.Checkpointer that records what is saved; like PostgreSQL it
// keeps a checkpoint it holds further on (with events the log holds, here always).
type savedCheckpoints map[string]store.Checkpoint

func (m savedCheckpoints) Checkpoint(_ context.Context, name string) (store.Checkpoint, error) {
	return m[name], nil
}

func (m savedCheckpoints) SaveCheckpoint(_ context.Context, name string, c store.Checkpoint) error {
	if m[name].Position <= c.Position {
		m[name] = c
	}
	return nil
}

// A destination that holds a checkpoint further on keeps it, and migrate says so instead of
// "saved" (found by review); a checkpoint whose name no store keeps, in a file edited by
// hand, is not copied and does not stop the copy.
func TestCopyCheckpoints_keptAndInvalid(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 0, 5)
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	events := readAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	id := func(p int) string { return events[p-1].ID }
	file := fmt.Sprintf(`{"saga:a\u0000b": {"position": 2, "eventId": %q, "head": 5, "headEventId": %q},
		"saga:this": {"position": 2, "eventId": %q, "head": 5, "headEventId": %q}}`, id(2), id(5), id(2), id(5))
	if err := os.WriteFile(filepath.Join(dir, jsonl.CheckpointFile), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	further := store.Checkpoint{Position: 4, EventID: id(4), Head: 5, HeadEventID: id(5)}
	dst := savedCheckpoints{"saga:this": further}
	var out bytes.Buffer
	if err := copyCheckpoints(t.Context(), src, dst, 5, &out); err != nil {
		t.Fatalf("copyCheckpoints: %v\n%s", err, &out)
	}
	if len(dst) != 1 || dst["saga:this"] != further {
		t.Errorf("destination holds %+v; want only saga:this as it was", dst)
	}
	for _, want := range []string{
		`kept checkpoint "saga:this" at position 4, which the destination held (the log's is at 2)`,
		`not copied: checkpoint "saga:a\x00b" (position 2), which no saga can have:`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
	if strings.Contains(out.String(), "saved checkpoint") {
		t.Errorf("output says a checkpoint was saved:\n%s", &out)
	}
}

// TestCopyCheckpoints_onlyThoseOfThisLog: a checkpoint that does not belong to the copied log
// (checkpoints.json left beside a restored log, or copied after the log from a running
// server) is not copied, and migrate says why (found by review: it reported "saved
// checkpoint (position 12)" into a destination that held no event).
func TestCopyCheckpoints_onlyThoseOfThisLog(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 0, 5)
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	events := readAll(t, s)
	id := func(p int) string { return events[p-1].ID }
	for name, c := range map[string]store.Checkpoint{
		"saga:this":       {Position: 3, EventID: id(3), Head: 5, HeadEventID: id(5)},
		"saga:beyond":     {Position: 5, EventID: id(5), Head: 7, HeadEventID: "later"},
		"saga:other":      {Position: 2, EventID: "another", Head: 5, HeadEventID: id(5)},
		"saga:otherHead":  {Position: 2, EventID: id(2), Head: 4, HeadEventID: "another"},
		"saga:backwards":  {Position: 4, EventID: id(4), Head: 3, HeadEventID: id(3)},
		"saga:notAtEvent": {Position: 0, Head: 0},
	} {
		if err := s.SaveCheckpoint(t.Context(), name, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	src, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	dst := savedCheckpoints{}
	var out bytes.Buffer
	if err := copyCheckpoints(t.Context(), src, dst, 5, &out); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(dst)); !slices.Equal(got, []string{"saga:this"}) {
		t.Errorf("copied %q; want only saga:this\n%s", got, &out)
	}
	for _, want := range []string{
		`saved checkpoint "saga:this" (position 3)`,
		`not copied: checkpoint "saga:beyond" (position 5), which does not belong to this log: saved when the log's head was 7, beyond the 5 events copied`,
		`not copied: checkpoint "saga:other" (position 2), which does not belong to this log: it names event "another" at position 2, where the log has "` + id(2) + `"`,
		`not copied: checkpoint "saga:otherHead" (position 2), which does not belong to this log: it names event "another" at position 4`,
		`not copied: checkpoint "saga:backwards" (position 4)`,
		`not copied: checkpoint "saga:notAtEvent" (position 0)`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}

	// The same log copied up to position 4 (a torn tail held the fifth event, say).
	dst, out = savedCheckpoints{}, bytes.Buffer{}
	if err := copyCheckpoints(t.Context(), src, dst, 4, &out); err != nil {
		t.Fatal(err)
	}
	if len(dst) != 0 {
		t.Errorf("copied %q into a copy of 4 events; want none\n%s", slices.Sorted(maps.Keys(dst)), &out)
	}
}
