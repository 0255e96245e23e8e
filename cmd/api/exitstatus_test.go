package main

import (
	"context"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// closeFailingFile is a JSONL log file whose Close fails after closing it.
type closeFailingFile struct{ jsonl.File }

func (f closeFailingFile) Close() error {
	_ = f.File.Close()
	return syscall.EIO
}

// The exit status tells an orchestrator how the server ended: 1, with the reason logged,
// when it failed on its own (here its listener closed under it) and when it could not shut
// down cleanly (the log's file failed to close), though it was asked to stop.
func TestRun_exitStatusOfAFailure(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		prepare func(m *Main)
		fail    func(m *Main, stop context.CancelFunc) // after the server listens
		want    string                                 // in the log
	}{
		{
			name: "the server fails on its own",
			args: []string{"--store", "memory"},
			fail: func(m *Main, _ context.CancelFunc) { _ = m.ln.Close() },
			want: "server failed, shutting down",
		},
		{
			name: "the shutdown fails",
			args: []string{"--store", "jsonl", "--data", "DIR"},
			prepare: func(m *Main) {
				m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { return closeFailingFile{f} })}
			},
			fail: func(_ *Main, stop context.CancelFunc) { stop() },
			want: `"msg":"shutdown"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, tt.args...)
			for i, a := range args {
				if a == "DIR" {
					args[i] = t.TempDir()
				}
			}
			m := NewMain()
			if tt.prepare != nil {
				tt.prepare(m)
			}
			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			logs := newSignalBuffer()
			status := make(chan int, 1)
			go func() { status <- runWith(ctx, func() {}, m, args, env(nil), io.Discard, logs) }()
			logs.await(t, "listening", func(line string) bool { return strings.Contains(line, `"msg":"listening"`) })
			tt.fail(m, cancel)
			if s := <-status; s != 1 {
				t.Errorf("exit status %d, want 1; log: %s", s, logs.String())
			}
			if !strings.Contains(logs.String(), tt.want) {
				t.Errorf("the log does not say %q: %s", tt.want, logs.String())
			}
		})
	}
}

// cancelingFile ends the start-up's context at the first read of the log: a signal while a
// large log is being opened.
type cancelingFile struct {
	jsonl.File
	cancel context.CancelFunc
}

func (f cancelingFile) ReadAt(p []byte, off int64) (int, error) {
	f.cancel()
	return f.File.ReadAt(p, off)
}

// TestRun_signalWhileTheLogOpens: a signal while the JSONL log is being read at start-up
// stops the server there, exit status 0 with "start-up interrupted" (it went on opening the
// log, about two seconds a gigabyte, then listened and shut down; found by a chaos test),
// and releases the log for the next start.
func TestRun_signalWhileTheLogOpens(t *testing.T) {
	data := t.TempDir()
	st, err := jsonl.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(testCtx(t), "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	m := NewMain()
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { return cancelingFile{f, cancel} })}
	logs := newSignalBuffer()
	status := runWith(ctx, func() {}, m, []string{"--addr", "127.0.0.1:0", "--log-format", "json", "--data", data}, env(nil), io.Discard, logs)
	if status != 0 || !strings.Contains(logs.String(), "start-up interrupted") || strings.Contains(logs.String(), `"msg":"listening"`) {
		t.Errorf("exit status %d, log: %s; want 0 and start-up interrupted, never listening", status, logs.String())
	}
	again, err := jsonl.Open(data)
	if err != nil {
		t.Fatalf("the log after the interrupted start-up: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}
