package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// Exit codes.
const (
	exitOK      = 0
	exitCorrupt = 1 // verify found damage, or the log could not be read
	exitUsage   = 2
)

const usage = `usage:
  eventlog verify DIR       check the log; exit status 1 when it is damaged
  eventlog stats DIR        counts of events, streams and types
  eventlog tail [-n N] DIR  print the last N events (default 10)
`

// run runs the command with its arguments and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "verify":
		return withDir(args[1:], stderr, func(dir string) int { return verify(dir, stdout, stderr) })
	case "stats":
		return withDir(args[1:], stderr, func(dir string) int { return stats(dir, stdout, stderr) })
	case "tail":
		fs := flag.NewFlagSet("tail", flag.ContinueOnError)
		fs.SetOutput(stderr)
		n := fs.Int("n", 10, "number of events")
		if err := fs.Parse(args[1:]); err != nil || *n < 0 {
			fmt.Fprint(stderr, usage)
			return exitUsage
		}
		return withDir(fs.Args(), stderr, func(dir string) int { return tail(dir, *n, stdout, stderr) })
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "eventlog: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

func withDir(args []string, stderr io.Writer, fn func(dir string) int) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	return fn(args[0])
}

// verify checks the log and prints what is wrong and where.
func verify(dir string, stdout, stderr io.Writer) int {
	rep, err := jsonl.Verify(dir)
	if ce, ok := errors.AsType[*jsonl.CorruptError](err); ok {
		fmt.Fprintf(stdout, "%s: CORRUPT at byte offset %d (line %d): %s\n", ce.Path, ce.Offset, ce.Line, ce.Reason)
		if line, err := lineAt(ce.Path, ce.Offset); err == nil {
			fmt.Fprintf(stdout, "  line: %s\n", line)
		}
		fmt.Fprintf(stdout, "  the %d events (%d commits) before it are intact; the store refuses to open until the damage is repaired\n",
			rep.Events, rep.Commits)
		return exitCorrupt
	}
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		return exitCorrupt
	}
	fmt.Fprintf(stdout, "%s: OK: %d events in %d commits, %d streams, %d bytes\n", rep.Path, rep.Events, rep.Commits, rep.Streams, rep.Valid)
	if rep.TornBytes > 0 {
		fmt.Fprintf(stdout, "  torn tail: %d bytes after byte offset %d (%d complete lines of an unfinished batch); the store cuts it off when it opens\n",
			rep.TornBytes, rep.Valid, rep.TornLines)
	}
	return exitOK
}

// lineAt returns the start of the line at off, shortened for display.
func lineAt(path string, off int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 240)
	n, err := f.ReadAt(buf, off)
	if n == 0 {
		return "", err
	}
	b := buf[:n]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return fmt.Sprintf("%q", b[:i]), nil
	}
	return fmt.Sprintf("%q…", b), nil
}

// header is the part of a line stats and tail look at.
type header struct {
	Position int64     `json:"position"`
	Stream   string    `json:"stream"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
}

// eachLine calls fn for each line of the log, stopping at a torn or damaged line (verify
// says more).
func eachLine(dir string, fn func(line []byte, h header)) error {
	f, err := os.Open(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var h header
		if json.Unmarshal(line, &h) != nil {
			return nil
		}
		fn(line, h)
	}
}

// stats prints counts of events, streams and types.
func stats(dir string, stdout, stderr io.Writer) int {
	var events int64
	var first, last time.Time
	streams := map[string]int{}
	types := map[string]int{}
	err := eachLine(dir, func(_ []byte, h header) {
		events++
		if events == 1 {
			first = h.Time
		}
		last = h.Time
		streams[h.Stream]++
		types[h.Type]++
	})
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		return exitCorrupt
	}
	fmt.Fprintf(stdout, "events:  %d\nstreams: %d\n", events, len(streams))
	if events > 0 {
		fmt.Fprintf(stdout, "first:   %s\nlast:    %s\n", first.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano))
	}
	fmt.Fprintln(stdout, "types:")
	for _, t := range slices.Sorted(maps.Keys(types)) {
		fmt.Fprintf(stdout, "  %-32s %d\n", t, types[t])
	}
	return exitOK
}

// tail prints the last n lines of the log.
func tail(dir string, n int, stdout, stderr io.Writer) int {
	ring := make([][]byte, 0, n)
	err := eachLine(dir, func(line []byte, _ header) {
		if n == 0 {
			return
		}
		if len(ring) == n {
			ring = ring[1:]
		}
		ring = append(ring, line)
	})
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		return exitCorrupt
	}
	for _, l := range ring {
		stdout.Write(l)
	}
	return exitOK
}
