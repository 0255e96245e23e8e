package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
		{"verify of a directory without a log fails", []string{"verify", t.TempDir()}, exitCorrupt, nil},
		{"stats counts events, streams and types", []string{"stats", ok}, exitOK, []string{"events:  3", "streams: 2", "OrderCreated                     2"}},
		{"tail prints the last events", []string{"tail", "-n", "1", ok}, exitOK, []string{`"stream":"order-2"`}},
		{"tail of a missing log fails", []string{"tail", t.TempDir()}, exitCorrupt, nil},
		{"stats of a missing log fails", []string{"stats", t.TempDir()}, exitCorrupt, nil},
		{"no command is a usage error", nil, exitUsage, nil},
		{"an unknown command is a usage error", []string{"frobnicate", ok}, exitUsage, nil},
		{"a missing directory is a usage error", []string{"verify"}, exitUsage, nil},
		{"a bad flag is a usage error", []string{"tail", "-n", "x", ok}, exitUsage, nil},
		{"help", []string{"help"}, exitOK, []string{"usage:"}},
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
