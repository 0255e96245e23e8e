//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
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
	Msg   string `json:"msg"`
	Addr  string `json:"addr"`
	Cause string `json:"cause"`
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
	if sig == syscall.SIGHUP {
		// The tests may run with SIGHUP ignored (under nohup), and a child inherits that: the
		// server would then leave SIGHUP ignored, as it should (see the nohup test). A handler
		// here makes the child start with the default instead, as exec resets a handled signal.
		handled := make(chan os.Signal, 1)
		signal.Notify(handled, syscall.SIGHUP)
		defer signal.Stop(handled)
	}
	addr, lines, readDone := startLogged(t, cmd)
	ctx := testCtx(t)

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
	var last, cause string
	for text := range lines { // drain the log until the process closes stderr
		last = text
		var l logLine
		if json.Unmarshal([]byte(text), &l) == nil && l.Msg == "shutting down" {
			cause = l.Cause
		}
	}
	<-readDone
	// The line names the signal, so that an operator knows what stopped the server.
	if want := map[syscall.Signal]string{syscall.SIGTERM: "terminated", syscall.SIGHUP: "hangup"}[sig]; !strings.Contains(cause, want) {
		t.Errorf("shutting down with cause %q, want it to name the signal (%s)", cause, want)
	}
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

// A second signal during the shutdown ends the process at once, as the signal's default
// action does (status 128+15 for SIGTERM): here the shutdown waits out a --shutdown-delay of
// an hour, which only the second signal cuts short.
func TestBinary_secondSignalEndsTheShutdown(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--log-format", "json", "--store", "memory", "--shutdown-delay", "1h")
	_, lines, readDone := startLogged(t, cmd)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for delayed := false; !delayed; {
		select {
		case text, ok := <-lines:
			if !ok {
				t.Fatal("the server exited before its shutdown delay")
			}
			var l logLine
			delayed = json.Unmarshal([]byte(text), &l) == nil && strings.HasPrefix(l.Msg, "shutdown delayed")
		case <-ctx.Done():
			t.Fatal("no shutdown delayed line after SIGTERM")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		for range lines { // drain the log until the process closes stderr
		}
		<-readDone
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("exit %v, want the process ended by SIGTERM", err)
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("exit %v, want the process ended by SIGTERM (status 143 in a shell)", err)
		}
	case <-ctx.Done():
		t.Fatal("the second SIGTERM did not end the shutdown")
	}
}

// startLogged starts cmd, which must run the server with --log-format json, and reads its
// log until the server says where it listens. It returns that address and the log's later
// lines; lines is closed, and then readDone, once the process closed its stderr.
func startLogged(t *testing.T, cmd *exec.Cmd) (addr string, lines <-chan string, readDone <-chan struct{}) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Read the log until the server says where it listens; keep the rest.
	out := make(chan string, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	ctx := testCtx(t)
	for addr == "" {
		select {
		case text, ok := <-out:
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
	return addr, out, done
}

// A server started with SIGHUP ignored, as nohup starts it, outlives the terminal it was
// started from: the graceful shutdown on SIGHUP is for a server whose terminal would
// otherwise kill it. signal.Notify replaced the inherited SIG_IGN, so the terminal that
// closed shut down the server that nohup was meant to keep.
func TestBinary_nohupOutlivesItsTerminal(t *testing.T) {
	bin := buildBinary(t)
	// The shell ignores SIGHUP, as nohup does, and the server inherits that through exec.
	cmd := exec.Command("/bin/sh", "-c", `trap "" HUP; exec "$0" "$@"`, bin,
		"--addr", "127.0.0.1:0", "--log-format", "json", "--store", "memory")
	addr, lines, readDone := startLogged(t, cmd)

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The kernel drops the ignored SIGHUP. Were it caught, it would be handled before the
	// SIGTERM sent after it: signals reach the program's handler in the order sent, and
	// SIGHUP sorts first when both are pending.
	c := newClient(t, "http://"+addr+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Chez Nous", "menu": menu("soup")}})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var causes []string
	for text := range lines {
		var l logLine
		if json.Unmarshal([]byte(text), &l) == nil && l.Msg == "shutting down" {
			causes = append(causes, l.Cause)
		}
	}
	<-readDone
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGHUP and SIGTERM: %v, want status 0", err)
	}
	if len(causes) != 1 || !strings.Contains(causes[0], "terminated") {
		t.Fatalf("shutting down for %q, want once, for SIGTERM (terminated): SIGHUP must be left ignored", causes)
	}
}
