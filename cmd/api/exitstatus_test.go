package main

import (
	"context"
	"io"
	"strings"
	"syscall"
	"testing"

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
