package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestExitCode: each failure a script can act on has an exit status of its own, whatever
// wraps the error, and the usage's table names each.
func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"a damaged log", fmt.Errorf("jsonl: backup: %w", &jsonl.CorruptError{Path: "events.jsonl", Offset: 7, Reason: "checksum mismatch"}), exitCorrupt},
		{"a destination that holds a log", fmt.Errorf("%w: b/events.jsonl (back up into an empty directory)", jsonl.ErrBackupExists), exitExists},
		{"a log that changed while it was copied", fmt.Errorf("%w: events.jsonl shrank from 100 to 60 bytes", jsonl.ErrLogChanged), exitChanged},
		{"a directory a server holds", fmt.Errorf("jsonl: restore d: %w", jsonl.ErrLocked), exitLocked},
		{"a missing log", &fs.PathError{Op: "open", Path: "events.jsonl", Err: fs.ErrNotExist}, exitError},
		{"an interrupt", fmt.Errorf("jsonl: copy log events.jsonl: %w", context.Canceled), exitError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
	for code := exitOK; code <= exitLocked; code++ {
		if !strings.Contains(usage, fmt.Sprintf("\n  %d  ", code)) {
			t.Errorf("the usage's table of exit statuses lacks %d:\n%s", code, usage)
		}
	}
}

// TestRestored_listsWhatIsLeftAside: a restore that fails after it moved things aside lists
// every path jsonl.Restore returns, which it could not put back (on Windows the log's second
// name, while a handle holds the log open), and says that the log's second name is one.
func TestRestored_listsWhatIsLeftAside(t *testing.T) {
	dir := newLog(t)
	const suffix = ".replaced-20261207T150405Z"
	log := filepath.Join(dir, jsonl.LogFile)
	if err := os.Link(log, log+suffix); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	checkpoints := filepath.Join(dir, jsonl.CheckpointFile+suffix)
	if err := os.WriteFile(checkpoints, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	restoreErr := errors.New("jsonl: restore: rename events.jsonl.123.tmp events.jsonl: Access is denied. (and put back: remove events.jsonl" + suffix + ": Access is denied.)")

	var stdout, stderr strings.Builder
	code := restored("backup", dir, jsonl.Report{}, []string{checkpoints, log + suffix}, restoreErr, &stdout, &stderr)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	for _, want := range []string{
		"Access is denied",
		"moved aside and not put back: " + checkpoints + "\n",
		"moved aside and not put back: " + log + suffix + ", a second name of " + log + " (the same file)",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, &stderr)
		}
	}
	if strings.Contains(stdout.String(), "restored") {
		t.Errorf("a failed restore says it restored: %s", &stdout)
	}
}

// TestStatsAndTail_aLogCutBackWhileRead: a log cut back after Verify checked it (a server
// cut a failed write back), at a line's end or within a line, is the log that changed while
// it was read, exit status 5, for stats and tail alike: stats counted the lines left in
// silence (exit 0) and tail failed as with any other error (exit 3).
func TestStatsAndTail_aLogCutBackWhileRead(t *testing.T) {
	for _, cut := range []struct {
		name string
		by   int // bytes cut off the end of the last line
	}{{"at a line's end", 0}, {"within a line", 10}} {
		t.Run(cut.name, func(t *testing.T) {
			dir := newLog(t)
			rep, err := jsonl.Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, jsonl.LogFile)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lastLine := strings.LastIndexByte(string(b[:len(b)-1]), '\n') + 1 // the last commit's one line
			if err := os.Truncate(path, int64(lastLine+cut.by)); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, cmd := range []struct {
				name string
				run  func(stdout, stderr *strings.Builder) int
			}{
				{"stats", func(stdout, stderr *strings.Builder) int { return statsOf(f, dir, rep, nil, stdout, stderr) }},
				{"tail", func(stdout, stderr *strings.Builder) int { return tailOf(f, dir, 10, rep, nil, stdout, stderr) }},
			} {
				var stdout, stderr strings.Builder
				if code := cmd.run(&stdout, &stderr); code != exitChanged || !strings.Contains(stderr.String(), "changed while read") {
					t.Errorf("%s: exit %d, stderr %q; want exit %d saying the log changed while read", cmd.name, code, &stderr, exitChanged)
				}
			}
		})
	}
}
