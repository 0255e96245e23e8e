package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// newLog creates a store directory with three events in two commits.
func newLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Append(ctx, "order-1", store.NoStream,
		store.EventData{Type: "OrderCreated", Data: []byte(`{"orderId":"1"}`)},
		store.EventData{Type: "OrderPrepared", Data: []byte(`{"orderId":"1"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "order-2", store.NoStream, store.EventData{Type: "OrderCreated", Data: []byte(`{"orderId":"2"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// edit applies fn to the log file of dir.
func edit(t *testing.T, dir string, fn func([]byte) []byte) {
	t.Helper()
	path := filepath.Join(dir, jsonl.LogFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	torn := newLog(t)
	edit(t, torn, func(b []byte) []byte { return b[:len(b)-5] })
	corrupt := newLog(t)
	edit(t, corrupt, func(b []byte) []byte { return bytes.Replace(b, []byte(`"orderId":"1"`), []byte(`"orderId":"7"`), 1) })
	ok := newLog(t)

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{"verify reports a sound log", []string{"verify", ok}, exitOK, []string{"OK: 3 events in 2 commits, 2 streams"}},
		{"verify reports a torn tail", []string{"verify", torn}, exitOK, []string{"OK: 2 events in 1 commits", "torn tail:"}},
		{"verify names the offset of damage", []string{"verify", corrupt}, exitCorrupt, []string{"CORRUPT at byte offset 0 (line 1): checksum mismatch", `line: "{\"position\":1`}},
		{"verify of a directory without a log fails", []string{"verify", t.TempDir()}, exitError, nil},
		{"stats counts events, streams and types", []string{"stats", ok}, exitOK, []string{"events:  3", "streams: 2", "OrderCreated                     2"}},
		{"tail prints the last events", []string{"tail", "-n", "1", ok}, exitOK, []string{`"stream":"order-2"`}},
		{"tail of a missing log fails", []string{"tail", t.TempDir()}, exitError, nil},
		{"stats of a missing log fails", []string{"stats", t.TempDir()}, exitError, nil},
		{"no command is a usage error", nil, exitUsage, nil},
		{"an unknown command is a usage error", []string{"frobnicate", ok}, exitUsage, nil},
		{"a missing directory is a usage error", []string{"verify"}, exitUsage, nil},
		{"a bad flag is a usage error", []string{"tail", "-n", "x", ok}, exitUsage, nil},
		{"help", []string{"help"}, exitOK, []string{"usage:"}},
		{"backup copies the whole commits", []string{"backup", torn, filepath.Join(t.TempDir(), "b")}, exitOK, []string{"backed up 2 events (positions up to 2) in 1 commits, 1 streams", "left out: a torn tail"}},
		{"backup of a damaged log copies nothing", []string{"backup", corrupt, t.TempDir()}, exitCorrupt, []string{"CORRUPT at byte offset 0 (line 1): checksum mismatch", "nothing was copied"}},
		{"backup of a missing log fails", []string{"backup", t.TempDir(), t.TempDir()}, exitError, nil},
		{"backup without its destination is a usage error", []string{"backup", ok}, exitUsage, nil},
		{"backup into an empty destination is a usage error", []string{"backup", ok, ""}, exitUsage, nil},
		{"restore of a damaged backup changes nothing", []string{"restore", corrupt, t.TempDir()}, exitCorrupt, []string{"CORRUPT at byte offset 0 (line 1): checksum mismatch", "was not changed"}},
		{"restore without its log directory is a usage error", []string{"restore", ok}, exitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, &stdout)
				}
			}
			if code != exitOK && stdout.Len()+stderr.Len() == 0 {
				t.Errorf("failed without saying why")
			}
		})
	}
	t.Run("tail prints lines as stored", func(t *testing.T) {
		var stdout bytes.Buffer
		run([]string{"tail", ok}, &stdout, &stdout)
		b, _ := os.ReadFile(filepath.Join(ok, jsonl.LogFile))
		if stdout.String() != string(b) {
			t.Errorf("tail of a short log:\n%s\nwant the whole log:\n%s", &stdout, b)
		}
	})
}

// bigLog creates a store directory with n events in commits of one, two, three, one, ...
// events, over five streams, and returns it with each line's byte offset.
func bigLog(t *testing.T, n int) (dir string, starts []int64) {
	t.Helper()
	dir = t.TempDir()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	for i, commit := 0, 0; i < n; commit++ {
		var batch []store.EventData
		for range min(1+commit%3, n-i) {
			i++
			batch = append(batch, store.EventData{Type: fmt.Sprint("Type", i%4), Data: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		}
		if _, err := s.Append(t.Context(), fmt.Sprint("stream-", i%5), store.Any, batch...); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	starts = append(starts, 0)
	for i, c := range b[:len(b)-1] {
		if c == '\n' {
			starts = append(starts, int64(i+1))
		}
	}
	return dir, starts
}

// runIn runs the command and returns its exit status, stdout and stderr.
func runIn(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// In a log of 184 events whose line 101 starts with X instead of '{', the whole commits
// before the damage hold the first 99 events in 50 commits: with commits of 1, 2 and 3
// events in turn, 16 rounds end at event 96, then come commits 97, 98-99 and 100-102, which
// line 101 breaks.
func TestRun_damageInTheMiddle(t *testing.T) {
	dir, starts := bigLog(t, 184)
	const line = 101
	edit(t, dir, func(b []byte) []byte { b[starts[line-1]] = 'X'; return b })
	where := fmt.Sprintf("byte offset %d (line %d)", starts[line-1], line)

	t.Run("verify counts the events before the damage", func(t *testing.T) {
		code, out, _ := runIn("verify", dir)
		if code != exitCorrupt || !strings.Contains(out, "CORRUPT at "+where) ||
			!strings.Contains(out, fmt.Sprintf("the 99 events (50 commits, 5 streams, %d bytes) before it are intact", starts[99])) {
			t.Errorf("exit %d, stdout:\n%s", code, out)
		}
	})
	t.Run("stats counts what it read, then names the damage and fails", func(t *testing.T) {
		code, out, errOut := runIn("stats", dir)
		if code != exitCorrupt || !strings.Contains(out, "events:  99\n") {
			t.Errorf("exit %d, stdout:\n%s", code, out)
		}
		if !strings.Contains(errOut, "stops at damage at "+where) || !strings.Contains(errOut, "eventlog verify "+dir) {
			t.Errorf("stderr %q: want where the output stops and the verify command", errOut)
		}
	})
	t.Run("tail prints the last events before the damage, then names it and fails", func(t *testing.T) {
		code, out, errOut := runIn("tail", "-n", "2", dir)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if code != exitCorrupt || len(lines) != 2 || !strings.HasPrefix(lines[0], `{"position":98,`) || !strings.HasPrefix(lines[1], `{"position":99,`) {
			t.Errorf("exit %d, stdout:\n%s", code, out)
		}
		if !strings.Contains(errOut, "stops at damage at "+where) {
			t.Errorf("stderr %q: want where the output stops", errOut)
		}
	})
}

func TestRun_tornTail(t *testing.T) {
	dir := newLog(t)
	edit(t, dir, func(b []byte) []byte { return b[:len(b)-5] })
	for _, cmd := range []string{"stats", "tail"} {
		t.Run(cmd+" shows the whole commits and mentions the torn tail", func(t *testing.T) {
			code, out, errOut := runIn(cmd, dir)
			if code != exitOK || strings.Contains(out, "order-2") || !strings.Contains(errOut, "torn tail of") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}

func TestRun_flagsAndHelp(t *testing.T) {
	dir, _ := bigLog(t, 5)
	t.Run("a flag after the directory", func(t *testing.T) {
		code, out, errOut := runIn("tail", dir, "-n", "2")
		if code != exitOK || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"position":5,`) {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("a directory after --", func(t *testing.T) {
		code, out, errOut := runIn("tail", "-n", "1", "--", dir)
		if code != exitOK || strings.Count(out, "\n") != 1 {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	for _, cmd := range []string{"verify", "stats", "tail"} {
		t.Run(cmd+" --help prints its usage once", func(t *testing.T) {
			code, out, errOut := runIn(cmd, "--help")
			if code != exitOK || strings.Count(out, "usage:") != 1 || !strings.Contains(out, "eventlog "+cmd) || errOut != "" {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
	t.Run("a bad flag names it and shows the command's usage", func(t *testing.T) {
		code, _, errOut := runIn("tail", dir, "-x")
		if code != exitUsage || !strings.Contains(errOut, "-x") || strings.Count(errOut, "usage:") != 1 || !strings.Contains(errOut, "eventlog tail") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("two directories", func(t *testing.T) {
		code, _, errOut := runIn("stats", dir, dir)
		if code != exitUsage || !strings.Contains(errOut, "want one log directory") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

// TestStats_typesAsTheTerminalMayShowThem: a type holding a line break or an escape sequence
// is quoted (it broke the table, or drove the terminal), and the column is padded by
// characters, not bytes.
func TestStats_typesAsTheTerminalMayShowThem(t *testing.T) {
	dir := t.TempDir()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	for i, typ := range []string{"two\nlines", "Red\x1b[31mALERT", "ピザ"} {
		if _, err := s.Append(context.Background(), fmt.Sprint("s", i), store.NoStream, store.EventData{Type: typ, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"stats", dir}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{`  "two\nlines"` + strings.Repeat(" ", 32-len(`"two\nlines"`)) + " 1\n",
		`  "Red\x1b[31mALERT"`, "  ピザ" + strings.Repeat(" ", 30) + " 1\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stats:\n%s\nwant a line with %q", out.String(), want)
		}
	}
}

// TestStats_dataNestedAsDeepAsTheStoreTakes: data may nest as deep as encoding/json allows,
// and its line one level deeper, which encoding/json refuses: stats reads a line's header
// only (found by review: it called a sound log "changed while read"). The store took such
// data before store.MaxDataDepth; a log written then holds it still, so the line is
// written here as that store wrote it.
func TestStats_dataNestedAsDeepAsTheStoreTakes(t *testing.T) {
	dir := t.TempDir()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	for i, data := range []string{`"deep"`, `{"s":"a stream's data may say ,\"data\": too"}`} {
		if _, err := s.Append(context.Background(), fmt.Sprintf(`s,"data":%d`, i), store.NoStream, store.EventData{Type: "Deep", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	deepen(t, filepath.Join(dir, "events.jsonl"), `"data":"deep"`, `"data":`+strings.Repeat("[", 10000)+strings.Repeat("]", 10000))
	var out, errOut bytes.Buffer
	if code := run([]string{"stats", dir}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"events:  2\n", "streams: 2\n", "  Deep" + strings.Repeat(" ", 28) + " 2\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stats:\n%s\nwant a line with %q", out.String(), want)
		}
	}
}

// deepen replaces old with new in the first line of the log at path that holds it, and
// seals the line again: its CRC-32C (Castagnoli) of everything before "crc", in hex.
func deepen(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i, line := range lines {
		if !strings.Contains(line, old) {
			continue
		}
		body, _, ok := strings.Cut(strings.Replace(line, old, new, 1), `"crc":"`)
		if !ok {
			t.Fatalf("line %d has no crc: %.80s", i+1, line)
		}
		lines[i] = fmt.Sprintf(`%s"crc":"%08x"}`+"\n", body, crc32.Checksum([]byte(body), crc32.MakeTable(crc32.Castagnoli)))
		if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no line holds %s", old)
}

// TestCopyLastLines_memoryStaysBounded: tail holds a block or two, however many lines it
// prints (found by review: it read them all into memory, doubling its buffer as it went, so
// "tail -n 1000000" of a 1 GiB log took 2 GB).
func TestCopyLastLines_memoryStaysBounded(t *testing.T) {
	var log bytes.Buffer
	for i := 0; log.Len() < 16<<20; i++ {
		fmt.Fprintf(&log, `{"position":%d,"data":"%s"}`+"\n", i+1, strings.Repeat("x", 200))
	}
	b := log.Bytes()
	lines := bytes.Count(b, []byte("\n"))
	for _, n := range []int{0, 1, 2, lines - 1, lines, lines + 1} {
		var out bytes.Buffer
		if err := copyLastLines(&out, bytes.NewReader(b), int64(len(b)), n); err != nil {
			t.Fatal(err)
		}
		k := min(n, lines)
		want := b[len(b)-len(bytes.Join(bytes.SplitAfter(b, []byte("\n"))[lines-k:], nil)):]
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("n = %d: got %d bytes, want the last %d lines, %d bytes", n, out.Len(), k, len(want))
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := copyLastLines(io.Discard, bytes.NewReader(b), int64(len(b)), lines); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("printing the %d lines of %d bytes allocated %d bytes; want at most 1 MiB", lines, len(b), got)
	}
}

// failingWriter fails every write, as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestRun_outputThatCannotBeWritten: a failed write is a failure, said on stderr (found by
// review: "eventlog tail DIR > FILE" on a full disk exited 0 with the output cut short).
func TestRun_outputThatCannotBeWritten(t *testing.T) {
	dir := newLog(t)
	for _, args := range [][]string{{"verify", dir}, {"stats", dir}, {"tail", dir}, {"--help"}} {
		var stderr bytes.Buffer
		code := run(args, failingWriter{}, &stderr)
		if code != exitError || strings.Count(stderr.String(), "write output: no space left on device") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit %d saying once that the output could not be written", args, code, &stderr, exitError)
		}
	}
}

// TestVerify_lineEndingsConverted: a log whose line endings were converted to CR LF is
// damaged at its first line, whose ending the store's reason names; verify says what
// happened and how to undo it (found by review: the reason alone, that the line does not end
// with "crc":"…"}, left one looking at a line that seems to).
func TestVerify_lineEndingsConverted(t *testing.T) {
	dir := newLog(t)
	edit(t, dir, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) })
	code, out, _ := runIn("verify", dir)
	if code != exitCorrupt || !strings.Contains(out, "CORRUPT at byte offset 0 (line 1)") || !strings.Contains(out, "the line ends in CR LF") {
		t.Errorf("exit %d, stdout %q; want exit 1 saying the line ends in CR LF", code, out)
	}
	sound := newLog(t)
	edit(t, sound, func(b []byte) []byte { return bytes.Replace(b, []byte(`"orderId":"1"`), []byte(`"orderId":"7"`), 1) })
	if code, out, _ := runIn("verify", sound); code != exitCorrupt || strings.Contains(out, "CR LF") {
		t.Errorf("exit %d, stdout %q; want exit 1 without a word on CR LF", code, out)
	}
}

// TestRun_theLogFileForItsDirectory: the log file given for its directory is a usage error
// that names the directory (found by review: "open DIR/events.jsonl/events.jsonl: not a
// directory"), and so is an empty argument.
func TestRun_theLogFileForItsDirectory(t *testing.T) {
	dir := newLog(t)
	for _, cmd := range []string{"verify", "stats", "tail"} {
		code, _, errOut := runIn(cmd, filepath.Join(dir, jsonl.LogFile))
		if code != exitUsage || !strings.Contains(errOut, "is a file, not a log directory") || !strings.Contains(errOut, "(here "+dir+")") {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming the directory", cmd, code, errOut)
		}
		// "$DIR" unset: the current directory's log had been read.
		if code, _, errOut := runIn(cmd, ""); code != exitUsage || !strings.Contains(errOut, `empty log directory ""`) {
			t.Errorf("%s of \"\": exit %d, stderr %q; want exit 2", cmd, code, errOut)
		}
	}
}

// TestVerify_namesAByteOrderMark: a log that a tool saved as "UTF-8 with BOM" (Notepad,
// PowerShell 5) is damaged at offset 0, where cutting the file, as the README's repair says,
// would drop every event: verify names the mark and says how to remove its 3 bytes instead.
// Before, it said "checksum mismatch" alone.
func TestVerify_namesAByteOrderMark(t *testing.T) {
	dir := newLog(t)
	edit(t, dir, func(b []byte) []byte { return append([]byte("\xef\xbb\xbf"), b...) })
	code, out, _ := runIn("verify", dir)
	if code != exitCorrupt {
		t.Fatalf("exit %d, want %d", code, exitCorrupt)
	}
	for _, want := range []string{"CORRUPT at byte offset 0 (line 1): line starts with a UTF-8 byte order mark", "tail -c +4 "} {
		if !strings.Contains(out, want) {
			t.Errorf("verify of a log that starts with a byte order mark:\n%s\nwant %q", out, want)
		}
	}
	edit(t, dir, func(b []byte) []byte { return b[3:] })
	if code, out, _ := runIn("verify", dir); code != exitOK {
		t.Errorf("without the mark: exit %d\n%s", code, out)
	}
}

// TestVerify_zeroedLongLineHasItsLineNumber: damage that the reader finds before a line is
// checked (zeros over more than a read chunk, as a file system that lost blocks leaves) is
// named with its line, as all other damage is. It had its byte offset only.
func TestVerify_zeroedLongLineHasItsLineNumber(t *testing.T) {
	dir, starts := bigLog(t, 100)
	const line = 51
	edit(t, dir, func(b []byte) []byte {
		at := starts[line-1]
		zeros := make([]byte, 2<<20) // a zeroed region, then the rest of the log
		return append(append(bytes.Clone(b[:at]), zeros...), b[at:]...)
	})
	code, out, _ := runIn("verify", dir)
	want := fmt.Sprintf("CORRUPT at byte offset %d (line %d)", starts[line-1], line)
	if code != exitCorrupt || !strings.Contains(out, want) {
		t.Errorf("exit %d, stdout:\n%.400s\nwant %q", code, out, want)
	}
}

// TestCommands_linesLongerThanAChunk: events of several MiB (lines longer than a read chunk)
// verify, count and tail, also when the last is torn.
func TestCommands_linesLongerThanAChunk(t *testing.T) {
	dir := t.TempDir()
	s, err := jsonl.Open(dir, jsonl.WithNoSync(), jsonl.WithMaxEventSize(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	big := []byte(`{"x":"` + strings.Repeat("y", 3<<20) + `"}`)
	for i := range 5 {
		if _, err := s.Append(context.Background(), fmt.Sprint("s", i%2), store.Any,
			store.EventData{Type: "Big", Data: big}, store.EventData{Type: "Small", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	code, out, errOut := runIn("verify", dir)
	if code != exitOK || !strings.Contains(out, "OK: 10 events in 5 commits, 2 streams") {
		t.Errorf("verify: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runIn("stats", dir)
	if code != exitOK || !strings.Contains(out, "events:  10\n") {
		t.Errorf("stats: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runIn("tail", "-n", "3", dir)
	if code != exitOK || strings.Count(out, "\n") != 3 || !strings.HasPrefix(out, `{"position":8,`) {
		t.Errorf("tail: %d %.200s %s", code, out, errOut)
	}
	// torn in the middle of the last big line
	edit(t, dir, func(b []byte) []byte { return b[:len(b)-(2<<20)] })
	code, out, errOut = runIn("verify", dir)
	if code != exitOK || !strings.Contains(out, "OK: 8 events in 4 commits") || !strings.Contains(out, "torn tail") {
		t.Errorf("verify torn: %d %s %s", code, out, errOut)
	}
}

// TestVerify_saysWhenAServerHoldsTheLog: verify takes no lock and reads a log a server is
// writing, and said OK on a directory a running server held, into which an operator then
// restored a backup (the server went on writing to the file it had open; found by a review
// of the README's restore). It now says that a server holds it; the exit status is the same.
func TestVerify_saysWhenAServerHoldsTheLog(t *testing.T) {
	dir := newLog(t)
	if code, out, _ := runIn("verify", dir); code != exitOK || strings.Contains(out, "holds") {
		t.Fatalf("exit %d, stdout %q for a log nothing holds; want OK without a note", code, out)
	}
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runIn("verify", dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && (code != exitOK || !strings.Contains(out, "a server or tool holds "+dir)) {
		t.Errorf("exit %d, stdout %q for a log a store holds; want OK and a note that it is held", code, out)
	}
	if runtime.GOOS == "windows" {
		return // a LOCK a store holds cannot be deleted there
	}
	// Deleting LOCK under the server does not hide it: the log file is locked too.
	s, err = jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	if held, err := jsonl.Held(dir); err != nil || !held {
		t.Errorf("Held after LOCK was deleted = %v, %v; want true", held, err)
	}
}
