//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// buildBinary builds this command into a temporary directory. It has minutes, not the
// test context's seconds: beside the race-enabled tests of other packages, on a cold build
// cache, a build took over 30 s.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "eventgraph")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// logLine is a JSON log line of the server.
type logLine struct {
	Msg  string `json:"msg"`
	Addr string `json:"addr"`
}

// SIGTERM, SIGINT and SIGHUP (its terminal closed) shut the server down cleanly. SIGHUP
// killed it on the spot, without syncing or closing the log.
func TestBinary_sigtermShutsDownCleanly(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) { signalShutsDownCleanly(t, bin, sig) })
	}
}

func signalShutsDownCleanly(t *testing.T, bin string, sig syscall.Signal) {
	dir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "EVENTGRAPH_DATA="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Read the log until the server says where it listens; keep the rest.
	lines := make(chan string, 64)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	ctx := testCtx(t)
	var addr string
	for addr == "" {
		select {
		case text, ok := <-lines:
			if !ok {
				t.Fatal("server exited before listening")
			}
			var l logLine
			if err := json.Unmarshal([]byte(text), &l); err != nil {
				t.Fatalf("log line is not JSON: %s", text)
			}
			if l.Msg == "listening" {
				addr = l.Addr
			}
		case <-ctx.Done():
			t.Fatal("server did not log its address")
		}
	}

	c := newClient(t, "http://"+addr+"/graphql")
	created := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, map[string]any{
		"in": map[string]any{"id": "r1", "name": "Chez Nous", "menu": menu("soup")},
	})).CreateRestaurant
	sub, err := c.SubscribeSSE(ctx, `subscription { events(afterPosition: 0) { position } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := sub.Next(ctx); err != nil {
		t.Fatalf("SSE subscription: %v", err)
	}

	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var last string
	for text := range lines { // drain the log until the process closes stderr
		last = text
	}
	<-readDone
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("exit status %d after %v, want 0; last log line: %s", exit.ExitCode(), sig, last)
	} else if err != nil {
		t.Fatal(err)
	}
	var l logLine
	if err := json.Unmarshal([]byte(last), &l); err != nil || l.Msg != "stopped" {
		t.Errorf("last log line %q, want msg stopped", last)
	}
	if _, err := sub.Next(ctx); err == nil {
		t.Error("SSE subscription still delivers after the server exited")
	}

	// The log was closed: it opens again (its lock is free) and holds the event.
	st, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("reopen the log: %v", err)
	}
	defer st.Close()
	var n int
	for e, err := range st.ReadAll(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if int64(e.Position) != created.Position || e.Type != "RestaurantCreated" {
			t.Errorf("event %d: %s, want RestaurantCreated at %d", n, e.Type, created.Position)
		}
	}
	if n != 1 {
		t.Errorf("%d events in the log, want 1", n)
	}
}
