package main

import (
	"encoding/json"
	"log"
	"log/slog"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// A library's log.Printf line becomes one JSON log line of the server's logger, cut short,
// whatever a client put in it.
func TestLibraryLog(t *testing.T) {
	var buf syncbuf.Buffer
	l := log.New(libraryLog{slog.New(slog.NewJSONHandler(&buf, nil))}, "", 0)
	header := `evil"}{"level":"ERROR"` + "\n" + strings.Repeat("é", 5000)
	l.Printf("unable to upgrade to websocket: Connection header %q", header)

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %q", len(lines), buf.String())
	}
	var rec struct{ Level, Msg, Text string }
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not one JSON line: %v: %s", err, lines[0])
	}
	if rec.Level != "WARN" || rec.Msg != "library log" || !strings.HasPrefix(rec.Text, "unable to upgrade") {
		t.Errorf("logged %+v", rec)
	}
	if len(rec.Text) > maxLibraryLog+len("…") || !strings.HasSuffix(rec.Text, "…") || !json.Valid([]byte(lines[0])) {
		t.Errorf("text of %d bytes, want it cut to %d and marked: %q", len(rec.Text), maxLibraryLog, rec.Text[len(rec.Text)-20:])
	}
}
