package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/eventgraph/eventgraph/internal/cliargs"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// Exit codes, the same for every command; usage's table explains them.
const (
	exitOK      = 0
	exitCorrupt = 1 // the log is damaged (stats and tail stopped at it; restore: the backup's)
	exitUsage   = 2
	exitError   = 3 // any other failure: a missing or unreadable log, output that cannot be written, an interrupt
	exitExists  = 4 // backup: DEST holds a log already
	exitChanged = 5 // the log changed while it was copied or read: run the command again
	exitLocked  = 6 // restore: a server or tool holds DIR
)

// exitCode returns the exit status of a command that failed with err.
func exitCode(err error) int {
	switch {
	case errors.Is(err, jsonl.ErrCorrupt):
		return exitCorrupt
	case errors.Is(err, jsonl.ErrBackupExists):
		return exitExists
	case errors.Is(err, jsonl.ErrLogChanged):
		return exitChanged
	case errors.Is(err, jsonl.ErrLocked):
		return exitLocked
	}
	return exitError
}

const usage = `usage:
  eventlog verify DIR       check the log; exit status 1 when it is damaged
  eventlog stats DIR        counts of events, streams and types
  eventlog tail [-n N] DIR  print the last N events (default 10)
  eventlog backup DIR DEST  copy the log's whole commits into DEST, synced and checked
  eventlog restore BACKUP DIR
                            put BACKUP's log in place of DIR's (the server stopped)

stats and tail show the whole commits before any damage, then say where it is and exit
with status 1. Flags may come before or after DIR; "eventlog COMMAND -h" explains one.

exit status, the same for every command:
  0  done (verify: the log is sound; a torn tail is not damage)
  1  the log is damaged (restore: the backup's); backup and restore changed nothing
  2  usage error
  3  any other failure: a missing or unreadable log, output that cannot be written,
     an interrupt
  4  backup: DEST holds a log already; nothing was done
  5  the log changed while it was copied (backup, restore) or read (stats, tail): a
     server cut a failed write back; nothing was kept: run the command again
  6  restore: a server or tool holds DIR; nothing was changed: stop it, wait until it
     has exited, and restore again
`

// synopsis returns a command's usage, false for an unknown command.
func synopsis(name string) (string, bool) {
	switch name {
	case "verify":
		return "eventlog verify DIR\n\nChecks every line, batch, position and version of the log in DIR; exit status 1 when it is damaged\n(other exit statuses: eventlog -h).\n", true
	case "stats":
		return "eventlog stats DIR\n\nCounts the events, streams and event types of the log in DIR, and gives its time range. Exit status 1 when the log is damaged\n(it counts what comes before the damage); other exit statuses: eventlog -h.\n", true
	case "tail":
		return "eventlog tail [-n N] DIR\n\nPrints the last N events of the log in DIR as they are stored. Exit status 1 when the log is damaged\n(it prints what comes before the damage); other exit statuses: eventlog -h.\n", true
	case "restore":
		return "eventlog restore BACKUP DIR\n\nPuts the log in BACKUP (a directory eventlog backup filled) in place of the log in DIR, for the server to start on.\nThe server on DIR must have exited (while one holds DIR it is refused: exit status 6). The backup is checked as verify\nchecks a log first (damage changes nothing: exit status 1). DIR's log, saga checkpoints (checkpoints.json), snapshots\n(snapshots/) and read models' states (readmodels/) are moved aside, not deleted: renamed with the suffix .replaced-\nand the time, for you to remove once the restored server runs. A restore that fails puts back what it moved aside;\nwhat it could not put back is listed. Other exit statuses: eventlog -h.\n", true
	case "backup":
		return "eventlog backup DIR DEST\n\nCopies the whole commits of the log in DIR into DEST (created when missing), while a server runs on DIR or not:\nthe copy is checked as verify checks a log, synced, and leaves out a commit in flight. Exit status 0 when it is done,\n1 when the log is damaged, 3 for another failure, 4 when DEST holds a log already, 5 when the log changed while it\nwas copied (run it again); in each failure nothing is kept in DEST.\n", true
	}
	return "", false
}

// run runs the command with its arguments and returns the exit status. Output that cannot
// be written (a full disk) makes it exit with status 3 (exitError), saying so.
func run(args []string, stdout, stderr io.Writer) int {
	out := &errWriter{w: stdout}
	code := runTo(args, out, stderr)
	if out.err != nil {
		fmt.Fprintf(stderr, "eventlog: write output: %v\n", out.err)
		return exitError
	}
	return code
}

// errWriter is a Writer that keeps its first error and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.err = err
	return n, err
}

// runTo is run, writing to stdout without checking that the writes succeed.
func runTo(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	synopsis, ok := synopsis(name)
	if !ok {
		fmt.Fprintf(stderr, "eventlog: unknown command %q\n%s", name, usage)
		return exitUsage
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run reports errors and usage itself, each once
	n := 10
	if name == "tail" {
		fs.IntVar(&n, "n", n, "print the last `N` events")
	}
	printUsage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: %s", synopsis)
		if name == "tail" {
			fmt.Fprintln(w, "\nflags (before or after DIR):")
		}
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	dirs, err := cliargs.Parse(fs, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout)
		return exitOK
	case err == nil && name == "backup" && len(dirs) != 2:
		err = fmt.Errorf("want the log directory and the backup's directory, got %d arguments %q", len(dirs), dirs)
	case err == nil && name == "restore" && len(dirs) != 2:
		err = fmt.Errorf("want the backup's directory and the log directory, got %d arguments %q", len(dirs), dirs)
	case err == nil && name != "backup" && name != "restore" && len(dirs) != 1:
		err = fmt.Errorf("want one log directory, got %d arguments %q", len(dirs), dirs)
	case err == nil && n < 0:
		err = fmt.Errorf("invalid -n %d: must not be negative", n)
	case err == nil && dirs[0] == "":
		err = errors.New(`empty log directory "" (an unset variable?); "." is the current directory`)
	case err == nil && name == "backup" && dirs[1] == "":
		err = errors.New(`empty backup directory "" (an unset variable?); "." is the current directory`)
	case err == nil && name == "restore" && dirs[1] == "":
		err = errors.New(`empty log directory "" (an unset variable?); "." is the current directory`)
	case err == nil:
		if fi, serr := os.Stat(dirs[0]); serr == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is a file, not a log directory: give the directory that holds %s (here %s)",
				dirs[0], jsonl.LogFile, filepath.Dir(dirs[0]))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "eventlog %s: %v\n", name, err)
		printUsage(stderr)
		return exitUsage
	}
	switch dir := dirs[0]; name {
	case "verify":
		return verify(dir, stdout, stderr)
	case "stats":
		return stats(dir, stdout, stderr)
	case "backup":
		return backup(dir, dirs[1], stdout, stderr)
	case "restore":
		return restore(dir, dirs[1], stdout, stderr)
	default:
		return tail(dir, n, stdout, stderr)
	}
}

// verify checks the log and prints what is wrong and where.
func verify(dir string, stdout, stderr io.Writer) int {
	rep, err := jsonl.Verify(dir)
	if ce, ok := errors.AsType[*jsonl.CorruptError](err); ok {
		fmt.Fprintf(stdout, "%s: CORRUPT at %s: %s\n", ce.Path, where(ce), ce.Reason)
		if line, err := lineAt(ce.Path, ce.Offset); err == nil {
			fmt.Fprintf(stdout, "  line: %s\n", line)
		}
		fmt.Fprintf(stdout, "  the %d events (%d commits, %d streams, %d bytes) before it are intact; the store refuses to open until the damage is repaired\n",
			rep.Events, rep.Commits, rep.Streams, rep.Valid)
		if endsInCR(ce.Path, ce.Offset) {
			fmt.Fprintf(stdout, "  the line ends in CR LF where the store writes LF only: the file's line endings were converted (a copy in text mode, an editor, git); keep a copy, then convert them back (sed -i 's/\\r$//' %s) and verify again\n", ce.Path)
		}
		if ce.Offset == 0 && startsWithBOM(ce.Path) {
			fmt.Fprintf(stdout, "  the file starts with a UTF-8 byte order mark that a tool added when it saved it (do not cut the file at offset 0: that drops every event); keep a copy, then remove those 3 bytes (tail -c +4 %[1]s > %[1]s.new && mv %[1]s.new %[1]s) and verify again\n", ce.Path)
		}
		noteHeld(dir, stdout)
		return exitCorrupt
	}
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		return exitCode(err)
	}
	fmt.Fprintf(stdout, "%s: OK: %d events in %d commits, %d streams, %d bytes\n", rep.Path, rep.Events, rep.Commits, rep.Streams, rep.Valid)
	if rep.TornBytes > 0 {
		fmt.Fprintf(stdout, "  torn tail: %d bytes after byte offset %d (%d complete lines of an unfinished batch); the store cuts it off when it opens\n",
			rep.TornBytes, rep.Valid, rep.TornLines)
	}
	noteHeld(dir, stdout)
	return exitOK
}

// backup copies the log in dir into dest and says what the copy holds.
func backup(dir, dest string, stdout, stderr io.Writer) int {
	// An interrupt ends the copy and removes what it wrote (Backup's temporary file).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := jsonl.Backup(ctx, dir, dest)
	if ce, ok := errors.AsType[*jsonl.CorruptError](err); ok {
		fmt.Fprintf(stdout, "%s: CORRUPT at %s: %s\n", ce.Path, where(ce), ce.Reason)
		fmt.Fprintf(stdout, "  nothing was copied into %s; run `eventlog verify %s` for more\n", dest, dir)
		return exitCorrupt
	}
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		switch code := exitCode(err); code {
		case exitExists:
			fmt.Fprintf(stderr, "  nothing was done: %s was left as it was\n", dest)
			return code
		case exitChanged:
			fmt.Fprintf(stderr, "  nothing was kept in %s: run the backup again\n", dest)
			return code
		}
		return exitError
	}
	fmt.Fprintf(stdout, "%s: backed up %d events (positions up to %d) in %d commits, %d streams, %d bytes\n",
		rep.Path, rep.Events, rep.Events, rep.Commits, rep.Streams, rep.Valid)
	if rep.TornBytes > 0 {
		fmt.Fprintf(stdout, "  left out: a torn tail of %d bytes after byte offset %d (a commit in flight)\n", rep.TornBytes, rep.Valid)
	}
	if held, err := jsonl.Held(dir); err == nil && held {
		fmt.Fprintf(stdout, "  note: a server or tool holds %s: the copy holds the commits made before it began\n", dir)
	}
	return exitOK
}

// restore puts the log in backup in place of dir's and says what it did.
func restore(backup, dir string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, moved, err := jsonl.Restore(ctx, backup, dir)
	return restored(backup, dir, rep, moved, err, stdout, stderr)
}

// restored says what a restore of backup into dir did, given jsonl.Restore's results, and
// returns the exit status. Every path in moved is listed, also when the restore failed:
// Restore returns there what it moved aside and could not put back (on Windows, a second
// name of dir's log while a handle holds it open).
func restored(backup, dir string, rep jsonl.Report, moved []string, err error, stdout, stderr io.Writer) int {
	if err != nil {
		code := exitCode(err)
		switch ce, _ := errors.AsType[*jsonl.CorruptError](err); {
		case ce != nil:
			fmt.Fprintf(stdout, "%s: CORRUPT at %s: %s\n", ce.Path, where(ce), ce.Reason)
			if len(moved) == 0 {
				fmt.Fprintf(stdout, "  %s was not changed; pick another backup (`eventlog verify %s` says more)\n", dir, backup)
			}
		case code == exitLocked:
			fmt.Fprintf(stderr, "eventlog: %v: a server (or a tool) holds %s; stop it and wait until it has exited, then restore", err, dir)
			if len(moved) == 0 {
				fmt.Fprintf(stderr, "; %s was not changed", dir)
			}
			fmt.Fprintln(stderr)
		case code == exitChanged:
			fmt.Fprintf(stderr, "eventlog: %v\n  the backup changed while it was copied: restore again\n", err)
		default:
			fmt.Fprintf(stderr, "eventlog: %v\n", err)
		}
		leftAside(dir, moved, stderr)
		return code
	}
	fmt.Fprintf(stdout, "%s: restored %d events (positions up to %d) in %d commits, %d streams, %d bytes from %s\n",
		rep.Path, rep.Events, rep.Events, rep.Commits, rep.Streams, rep.Valid, backup)
	if rep.TornBytes > 0 {
		fmt.Fprintf(stdout, "  left out: the backup's torn tail of %d bytes after byte offset %d\n", rep.TornBytes, rep.Valid)
	}
	for _, p := range moved {
		fmt.Fprintf(stdout, "  moved aside: %s\n", p)
	}
	if len(moved) > 0 {
		fmt.Fprintln(stdout, "  (remove what was moved aside once the restored server runs)")
	}
	return exitOK
}

// leftAside lists what a restore that failed moved aside and did not put back. A second
// name of dir's log (kept by a hard link, which Windows does not remove while a handle
// holds the log open) is said to be one: removing it removes nothing of the log.
func leftAside(dir string, moved []string, w io.Writer) {
	log, lerr := os.Stat(filepath.Join(dir, jsonl.LogFile))
	for _, p := range moved {
		if fi, err := os.Stat(p); lerr == nil && err == nil && os.SameFile(fi, log) {
			fmt.Fprintf(w, "  moved aside and not put back: %s, a second name of %s (the same file): remove it once no process holds the log open\n",
				p, filepath.Join(dir, jsonl.LogFile))
			continue
		}
		fmt.Fprintf(w, "  moved aside and not put back: %s\n", p)
	}
}

// noteHeld says when a server (or another writer) holds dir: what verify read may have
// grown since, or have been a write in progress, and a backup must not be copied into a
// directory a server still writes to (it writes to the file it has open, and fails every
// command from the moment it finds that file moved, replaced or cut).
func noteHeld(dir string, stdout io.Writer) {
	if held, err := jsonl.Held(dir); err == nil && held {
		fmt.Fprintf(stdout, "  note: a server or tool holds %s and may be writing to its log: what was read may have grown since; stop it before restoring a backup into %s\n", dir, dir)
	}
}

// where names the place of damage: its byte offset, and its line when known.
func where(ce *jsonl.CorruptError) string {
	if ce.Line == 0 {
		return fmt.Sprintf("byte offset %d", ce.Offset)
	}
	return fmt.Sprintf("byte offset %d (line %d)", ce.Offset, ce.Line)
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

// startsWithBOM reports whether the file at path starts with a UTF-8 byte order mark.
func startsWithBOM(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 3)
	_, err = io.ReadFull(f, b)
	return err == nil && string(b) == "\xef\xbb\xbf"
}

// endsInCR reports whether the line at off ends in "\r\n". A line the store writes never
// does (JSON escapes a carriage return in a string), so it tells a file whose line endings
// were converted to CR LF, where the store's reason names the line's ending only. It reads
// forward to the end of the line, a block at a time.
func endsInCR(path string, off int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	last := byte(0) // the byte before buf
	for {
		n, err := f.ReadAt(buf, off)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			if i > 0 {
				last = buf[i-1]
			}
			return last == '\r'
		}
		if err != nil {
			return false
		}
		last, off = buf[n-1], off+int64(n)
	}
}

// wholeCommits checks the log with jsonl.Verify and returns it opened, with the report:
// stats and tail show the report's Valid bytes, the whole commits before any damage or
// torn tail. damage is the damage, nil when there is none.
func wholeCommits(dir string) (f *os.File, rep jsonl.Report, damage *jsonl.CorruptError, err error) {
	rep, err = jsonl.Verify(dir)
	damage, _ = errors.AsType[*jsonl.CorruptError](err)
	if err != nil && damage == nil {
		return nil, rep, nil, err
	}
	f, err = os.Open(rep.Path)
	return f, rep, damage, err
}

// finish ends the output of stats or tail: it says on stderr what was not shown, and
// returns the exit status, exitCorrupt when the log is damaged.
func finish(dir string, rep jsonl.Report, damage *jsonl.CorruptError, stderr io.Writer) int {
	if damage != nil {
		fmt.Fprintf(stderr, "eventlog: the output stops at damage at %s of %s: %s; run `eventlog verify %s` for more\n",
			where(damage), damage.Path, damage.Reason, dir)
		return exitCorrupt
	}
	if rep.TornBytes > 0 {
		fmt.Fprintf(stderr, "eventlog: not shown: a torn tail of %d bytes after byte offset %d (an unfinished commit, which the store cuts off when it opens)\n",
			rep.TornBytes, rep.Valid)
	}
	return exitOK
}

// header is the part of a line stats looks at.
type header struct {
	Position int64     `json:"position"`
	Stream   string    `json:"stream"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
}

// headerOf returns the part of a line before its data, as a JSON object: the store writes
// position, stream, version, id, type and time first. The rest is not decoded: data may
// nest as deep as encoding/json allows, and the line one level deeper, which it refuses.
// The first `,"data":` is the key's: within a string the quotes would be escaped.
func headerOf(line []byte) []byte {
	i := bytes.Index(line, []byte(`,"data":`))
	if i < 0 {
		return line // not a line the store writes: Unmarshal says what is wrong
	}
	return append(line[:i:i], '}')
}

// stats prints counts of events, streams and types.
func stats(dir string, stdout, stderr io.Writer) int {
	f, rep, damage, err := wholeCommits(dir)
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		return exitCode(err)
	}
	defer f.Close()
	return statsOf(f, dir, rep, damage, stdout, stderr)
}

// statsOf is stats of the whole commits, rep.Valid bytes, that Verify found in the log f of
// dir (up to damage, when not nil).
func statsOf(f io.ReaderAt, dir string, rep jsonl.Report, damage *jsonl.CorruptError, stdout, stderr io.Writer) int {
	var events int64
	var first, last time.Time
	streams := map[string]int{}
	types := map[string]int{}
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, rep.Valid), 1<<20)
	for read := int64(0); ; {
		line, err := r.ReadBytes('\n')
		read += int64(len(line))
		if err == io.EOF && len(line) == 0 && read < rep.Valid {
			// The file ends before the bytes Verify checked, at a line's end: cut back.
			err = fmt.Errorf("it ends at byte offset %d, before %d: %w", read, rep.Valid, io.ErrUnexpectedEOF)
		} else if err == io.EOF && len(line) == 0 {
			break
		}
		var h header
		if err == nil {
			err = json.Unmarshal(headerOf(line), &h)
		}
		if err != nil {
			// Verify checked these lines: the file changed since.
			fmt.Fprintf(stderr, "eventlog: %s changed while read: %v; run it again\n", rep.Path, err)
			return exitChanged
		}
		events++
		if events == 1 {
			first = h.Time
		}
		last = h.Time
		streams[h.Stream]++
		types[h.Type]++
	}
	fmt.Fprintf(stdout, "events:  %d\nstreams: %d\n", events, len(streams))
	if events > 0 {
		fmt.Fprintf(stdout, "first:   %s\nlast:    %s\n", first.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano))
	}
	fmt.Fprintln(stdout, "types:")
	for _, t := range slices.Sorted(maps.Keys(types)) {
		name := printable(t)
		fmt.Fprintf(stdout, "  %s%s %d\n", name, strings.Repeat(" ", max(32-utf8.RuneCountInString(name), 0)), types[t])
	}
	return finish(dir, rep, damage, stderr)
}

// tail prints the last n lines of the log's whole commits.
func tail(dir string, n int, stdout, stderr io.Writer) int {
	f, rep, damage, err := wholeCommits(dir)
	if err != nil {
		fmt.Fprintf(stderr, "eventlog: %v\n", err)
		return exitCode(err)
	}
	defer f.Close()
	return tailOf(f, dir, n, rep, damage, stdout, stderr)
}

// tailOf is tail of the whole commits, rep.Valid bytes, that Verify found in the log f of
// dir (up to damage, when not nil).
func tailOf(f io.ReaderAt, dir string, n int, rep jsonl.Report, damage *jsonl.CorruptError, stdout, stderr io.Writer) int {
	if err := copyLastLines(stdout, f, rep.Valid, n); err != nil {
		switch {
		case errors.Is(err, errWrite): // run reports a failed write
		case errors.Is(err, io.EOF):
			// The file ends before the bytes Verify checked: a server cut a failed write back.
			fmt.Fprintf(stderr, "eventlog: %s changed while read: %v; run it again\n", rep.Path, err)
			return exitChanged
		default:
			fmt.Fprintf(stderr, "eventlog: read %s: %v\n", rep.Path, err)
		}
		return exitError
	}
	return finish(dir, rep, damage, stderr)
}

// errWrite marks an error of copyLastLines that is the output's.
var errWrite = errors.New("write output")

// tailBlock is how much tail reads at a time.
const tailBlock = 64 << 10

// copyLastLines writes to w the last n lines of the first size bytes of r, which end with
// a '\n'. It finds where they start reading backwards, a block at a time, then copies them,
// so that it holds a block or two in memory however many lines are asked for.
func copyLastLines(w io.Writer, r io.ReaderAt, size int64, n int) error {
	start, err := tailStart(r, size, n)
	if err != nil {
		return err
	}
	buf := make([]byte, tailBlock)
	for off := start; off < size; {
		m, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if m > 0 {
			if _, err := w.Write(buf[:m]); err != nil {
				return fmt.Errorf("%w: %w", errWrite, err)
			}
		}
		if err != nil && !(errors.Is(err, io.EOF) && off+int64(m) == size) {
			return fmt.Errorf("at byte offset %d: %w", off+int64(m), err)
		}
		off += int64(m)
	}
	return nil
}

// tailStart returns the offset of the last n lines of the first size bytes of r, which end
// with a '\n', reading backwards a block at a time.
func tailStart(r io.ReaderAt, size int64, n int) (int64, error) {
	if n == 0 {
		return size, nil
	}
	buf := make([]byte, tailBlock)
	found := 0
	for end := size - 1; end > 0; { // the last byte ends the last line
		start := max(end-tailBlock, 0)
		b := buf[:end-start]
		if _, err := r.ReadAt(b, start); err != nil {
			return 0, err
		}
		for i := len(b); ; {
			if i = bytes.LastIndexByte(b[:i], '\n'); i < 0 {
				break
			}
			if found++; found == n {
				return start + int64(i) + 1, nil
			}
		}
		end = start
	}
	return 0, nil
}

// printable returns an event type as the terminal may show it: as it is when every character
// of it is graphic, else quoted with Go's escapes, so that a type holding a line break or
// an escape sequence cannot break the table or drive the terminal.
func printable(t string) string {
	for _, r := range t {
		if !unicode.IsGraphic(r) {
			return strconv.Quote(t)
		}
	}
	return t
}
