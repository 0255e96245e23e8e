// Command api is the eventgraph server: the restaurant GraphQL API at /graphql
// (POST, GET, WebSocket with graphql-transport-ws and graphql-ws, Server-Sent
// Events), a GraphiQL playground at / that works offline, /healthz (alive),
// /readyz (200 once the read models caught up after start-up) and /metrics
// (Prometheus). It logs one line per request (--log-format text or json).
//
//	go run ./cmd/api                                  # JSONL store in ./data, on 127.0.0.1:8080
//	go run ./cmd/api --store memory --addr :9090
//	go run ./cmd/api --store postgres --postgres-url postgres://user:pass@db:5432/eventgraph
//	EVENTGRAPH_DATA=/var/lib/eventgraph go run ./cmd/api
//
// Every flag is also an environment variable EVENTGRAPH_<NAME> (--max-body-bytes
// is EVENTGRAPH_MAX_BODY_BYTES); a flag wins over its variable, which is then
// ignored. Invalid values stop start-up with a one-line reason and exit status
// 2; a server that cannot start (its store does not open, its address is taken)
// exits with status 1 and one line of reason, a JSON log line with --log-format
// json. SIGINT, SIGTERM or SIGHUP (not under nohup, which ignores it) shuts the
// server down gracefully (in-flight requests finish, subscriptions end, the log is
// synced and closed) with exit status 0; the log line "shutting down" names the
// signal. A second signal during the shutdown ends the process at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), shutdownSignals()...)
	defer stop()
	os.Exit(run(ctx, stop, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// shutdownSignals returns the signals that shut the server down gracefully: SIGINT,
// SIGTERM, and SIGHUP, so that a server started from a terminal that closes shuts down as
// cleanly — unless the process started with SIGHUP ignored, as nohup starts it: its
// operator asked for it to outlive the terminal, and signal.Notify would undo that
// (a handler replaces the inherited SIG_IGN).
func shutdownSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// run runs the server until ctx ends and returns the exit status: 0 after a
// clean shutdown (also when ctx ends during start-up), 2 for invalid flags or
// environment variables, 1 when the server could not start or failed. stop is called once ctx has ended, so a
// second signal ends the process at once. --help writes to stdout (so that it pipes into a
// pager or grep), everything else to stderr.
func run(ctx context.Context, stop func(), args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runWith(ctx, stop, NewMain(), args, getenv, stdout, stderr)
}

// runWith is run with the Main it runs given: tests give one with faults in its store.
func runWith(ctx context.Context, stop func(), m *Main, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	m.Stderr = stderr
	if err := m.ParseFlags(args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			Usage(stdout)
			return 0
		}
		// Plain text: without a valid configuration there is no log format to follow.
		fmt.Fprintf(stderr, "eventgraph: %v (see --help)\n", err)
		return 2
	}
	m.Logger = newLogger(m.Config, stderr)
	log.SetFlags(0)
	log.SetOutput(libraryLog{m.Logger})
	if err := m.Run(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// A signal during start-up (the log still opening, the database not answering)
			// is a stop the operator asked for, not a failure: nothing was served yet, and
			// Run closed what it had opened.
			stop()
			m.Logger.Info("start-up interrupted", "cause", context.Cause(ctx).Error())
			return 0
		}
		startFailed(ctx, m, oneLine(err.Error()))
		return 1
	}
	status := 0
	select {
	case <-ctx.Done():
		// The cause names the signal ("terminated signal received"): which one stopped a
		// server (an orchestrator's SIGTERM, a closed terminal's SIGHUP) is worth knowing.
		m.Logger.Info("shutting down", "cause", context.Cause(ctx).Error())
	case err := <-m.Failed():
		m.Logger.Error("server failed, shutting down", "err", err)
		status = 1
	}
	stop()
	if err := m.Close(); err != nil {
		m.Logger.Error("shutdown", "err", err)
		return 1
	}
	m.Logger.Info("stopped")
	return status
}

// startFailed reports why the server did not start, in one line: a JSON log line (level
// ERROR) with --log-format json, for whatever collects the logs; otherwise a plain
// "eventgraph: reason" line for the operator at the terminal. The line is written
// whatever --log-level says.
func startFailed(ctx context.Context, m *Main, reason string) {
	if m.Config.LogFormat != LogJSON {
		fmt.Fprintf(m.Stderr, "eventgraph: %s\n", reason)
		return
	}
	r := slog.NewRecord(time.Now(), slog.LevelError, "start-up failed", 0)
	r.AddAttrs(slog.String("err", reason))
	if err := m.Logger.Handler().Handle(context.WithoutCancel(ctx), r); err != nil {
		fmt.Fprintf(m.Stderr, "eventgraph: %s\n", reason)
	}
}

// oneLine joins the lines of a multi-line error message, such as pgx's list of the hosts
// it failed to connect to, into one: "a:\n\tb\n\tc" becomes "a: b; c". A line that
// repeats the one before it is dropped.
func oneLine(msg string) string {
	var b strings.Builder
	prev := ""
	for line := range strings.Lines(msg) {
		line = strings.TrimSpace(line)
		if line == "" || line == prev {
			continue
		}
		switch {
		case b.Len() == 0:
		case strings.HasSuffix(prev, ":"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(line)
		prev = line
	}
	return b.String()
}
