package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// jsonLines decodes every line of a JSON log, failing the test on a line that is not JSON.
func jsonLines(tb testing.TB, out string) []map[string]any {
	tb.Helper()
	var lines []map[string]any
	for l := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			tb.Fatalf("log line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestMain_warnsOfEachProtectionTurnedOff(t *testing.T) {
	for _, flag := range []string{
		"max-depth",
		"max-events-bytes",
		"max-subscriptions-per-connection",
		"max-operations-per-connection",
		"max-connections",
		"max-subscriptions",
		"read-header-timeout",
		"read-timeout",
		"write-timeout",
		"stream-write-timeout",
		"idle-timeout",
	} {
		t.Run("--"+flag+" 0", func(t *testing.T) {
			_, logs := startMain(t, "--store", "memory", "--log-format", "json", "--"+flag, "0")
			var warns []string
			for _, l := range jsonLines(t, logs.String()) {
				if l["level"] == "WARN" {
					warns = append(warns, l["msg"].(string))
				}
			}
			if flag == "max-connections" && defaultMaxConnections() == 0 {
				// Where the open-file limit cannot be read (Windows), no limit is the default,
				// and choosing it is not warned of.
				if len(warns) != 0 {
					t.Errorf("warnings %q, want none: --max-connections=0 is the default here", warns)
				}
				return
			}
			if len(warns) != 1 || !strings.HasPrefix(warns[0], "--"+flag+"=0: ") {
				t.Errorf("warnings %q, want one about --%s=0", warns, flag)
			}
		})
	}
	t.Run("--max-operations-per-connection not above --max-subscriptions-per-connection", func(t *testing.T) {
		_, logs := startMain(t, "--store", "memory", "--log-format", "json", "--max-operations-per-connection", "50", "--max-subscriptions-per-connection", "50")
		var warns []string
		for _, l := range jsonLines(t, logs.String()) {
			if l["level"] == "WARN" {
				warns = append(warns, l["msg"].(string))
			}
		}
		if len(warns) != 1 || !strings.HasPrefix(warns[0], "--max-operations-per-connection is not above --max-subscriptions-per-connection") {
			t.Errorf("warnings %q, want one that the operations leave no room beside the subscriptions", warns)
		}
	})
	t.Run("--introspection=false with the playground", func(t *testing.T) {
		_, logs := startMain(t, "--store", "memory", "--log-format", "json", "--introspection=false")
		var warns []string
		for _, l := range jsonLines(t, logs.String()) {
			if l["level"] == "WARN" {
				warns = append(warns, l["msg"].(string))
			}
		}
		if len(warns) != 1 || !strings.HasPrefix(warns[0], "the playground needs introspection") {
			t.Errorf("warnings %q, want one that the playground needs introspection", warns)
		}
	})
	t.Run("none by default", func(t *testing.T) {
		_, logs := startMain(t, "--store", "memory", "--log-format", "json")
		for _, l := range jsonLines(t, logs.String()) {
			if l["level"] == "WARN" {
				t.Errorf("warning %q with the defaults", l["msg"])
			}
		}
	})
	// A sound JSONL log, new or reopened, has no torn tail to warn of.
	t.Run("none by default on a JSONL log", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		for range 2 {
			m, logs := startMain(t, "--data", dir, "--log-format", "json")
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			for _, l := range jsonLines(t, logs.String()) {
				if l["level"] == "WARN" {
					t.Errorf("warning %q with the defaults", l["msg"])
				}
			}
		}
	})
}

// TestRun_startFailureIsOneLine checks the reason of a start-up failure: one line, in the
// configured log format.
func TestRun_startFailureIsOneLine(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("a store that does not connect: its reasons joined, no password", func(t *testing.T) {
		// Nothing listens on ports 1 and 2 of loopback: pgx fails on each, with a line per attempt.
		status, out := runOnce(t, "--store", "postgres", "--postgres-url", "postgres://u:s3cret@127.0.0.1:1,127.0.0.1:2/x?connect_timeout=10")
		if status != 1 {
			t.Errorf("exit status %d, want 1", status)
		}
		if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "eventgraph: open postgres store: ") {
			t.Fatalf("stderr %q: want one line of reason", out)
		}
		for _, want := range []string{"127.0.0.1:1", "127.0.0.1:2"} {
			if !strings.Contains(out, want) {
				t.Errorf("reason %q does not name %s", out, want)
			}
		}
		if strings.Contains(out, "s3cret") {
			t.Errorf("reason %q shows the password", out)
		}
	})

	t.Run("--log-format json: a JSON line with level ERROR", func(t *testing.T) {
		// --log-level above ERROR hides the logs, not the reason the server did not start.
		for _, level := range []string{"info", "error+4"} {
			status, out := runOnce(t, "--log-format", "json", "--log-level", level, "--data", notADir)
			if status != 1 {
				t.Errorf("exit status %d, want 1", status)
			}
			lines := jsonLines(t, out)
			if len(lines) != 1 {
				t.Fatalf("--log-level %s: stderr %q: want one JSON line", level, out)
			}
			l := lines[0]
			if err, _ := l["err"].(string); l["level"] != "ERROR" || l["msg"] != "start-up failed" || !strings.Contains(err, "must be a directory") {
				t.Errorf("--log-level %s: line %v: want level ERROR, msg start-up failed and the reason in err", level, l)
			}
		}
	})

	t.Run("--log-format json: an invalid value is still plain text", func(t *testing.T) {
		var stderr strings.Builder
		code := run(t.Context(), func() {}, []string{"--log-format", "json", "--store", "nope"}, env(nil), io.Discard, &stderr)
		if code != 2 || !strings.HasPrefix(stderr.String(), "eventgraph: invalid --store") {
			t.Errorf("exit status %d, stderr %q: want 2 and a plain line", code, stderr.String())
		}
	})
}

// A signal that arrives while the server starts (a large log opening, a database that does
// not answer) stops it as one that arrives later does: exit status 0, no "start-up failed".
// It exited with status 1 and a failure such as "listen: lookup localhost: operation was
// canceled", which marks a systemd unit failed for a stop its operator asked for.
func TestRun_signalDuringStartUpIsAStop(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		t.Run(addr, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			ctx, cancel := context.WithCancelCause(t.Context())
			cancel(errors.New("terminated signal received")) // as signal.NotifyContext ends it
			var stderr syncbuf.Buffer
			stopped := false
			code := run(ctx, func() { stopped = true }, []string{"--addr", addr, "--data", dir, "--log-format", "json"}, env(nil), io.Discard, &stderr)
			if code != 0 {
				t.Fatalf("exit status %d, want 0; stderr:\n%s", code, stderr.String())
			}
			if !stopped {
				t.Error("stop not called: a second signal would not end the process at once")
			}
			for _, l := range jsonLines(t, stderr.String()) {
				if l["level"] == "ERROR" {
					t.Errorf("log line %v: want no error for a stop that was asked for", l)
				}
			}
			if !strings.Contains(stderr.String(), "terminated signal received") {
				t.Errorf("stderr %q does not say why the start-up ended", stderr.String())
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"failed to connect to `user=u database=x`:\n\ta: refused\n\ta: refused\n\tb: refused", "failed to connect to `user=u database=x`: a: refused; b: refused"},
		{"first\nsecond\n", "first; second"},
		{"\n  \n", ""},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
