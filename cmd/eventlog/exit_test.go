package main

import (
	"context"
	"fmt"
	"io/fs"
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
