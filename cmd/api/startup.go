package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"syscall"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// storeError explains in one line why the store of c did not open, and what to do. The
// causes an operator meets are a damaged log (refused, never silently repaired), a data
// directory another server holds, and one this user may not write.
func storeError(c Config, err error) error {
	var hint string
	switch {
	case errors.Is(err, jsonl.ErrCorrupt):
		hint = fmt.Sprintf("nothing was changed; inspect the log with: eventlog verify %s (go run ./cmd/eventlog verify %s from the source tree)", c.DataDir, c.DataDir)
	case errors.Is(err, jsonl.ErrLocked):
		hint = fmt.Sprintf("another eventgraph server or tool has %s open: stop it or choose another --data", c.DataDir)
	case errors.Is(err, fs.ErrPermission):
		hint = fmt.Sprintf("this user may not write %s: fix its permissions or choose another --data", c.DataDir)
	case errors.Is(err, fs.ErrExist), errors.Is(err, syscall.ENOTDIR):
		hint = fmt.Sprintf("--data %s must be a directory; a missing one is created", c.DataDir)
	}
	if hint == "" {
		return fmt.Errorf("open %s store: %w", c.Store, err)
	}
	return fmt.Errorf("open %s store: %w (%s)", c.Store, err, hint)
}

// logRecovery tells the operator what opening the JSONL log found: how much it holds and,
// at WARN, a torn tail it cut off (the unacknowledged end of a write that a crash cut short:
// no acknowledged event is in it, but an operator should know the file shrank, and where).
func logRecovery(logger *slog.Logger, r jsonl.Report) {
	logger.Info("log opened", "path", r.Path, "events", r.Events, "commits", r.Commits, "streams", r.Streams, "bytes", r.Valid)
	if r.TornBytes > 0 {
		logger.Warn("cut a torn tail off the log: the end of a write that did not complete (no acknowledged event is lost)",
			"path", r.Path, "offset", r.Valid, "bytes", r.TornBytes, "lines", r.TornLines)
	}
}
