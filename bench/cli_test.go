package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tinyRun is the flags of a run of one short case, writing its report to out.
func tinyRun(dir, out string, extra ...string) []string {
	return append([]string{"-only", "raw-sync", "-writers", "1", "-duration", "20ms", "-api=false", "-resources=false",
		"-notes", "", "-dir", dir, "-out", out}, extra...)
}

// TestRun_badFlags: a bad flag or flag value stops the command before it runs anything, with
// exit status 2 (0 for -h), and writes no report.
func TestRun_badFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.md")
	// The default -out is ../BENCHMARKS.md: from here, a file in dir, never the committed one.
	work := filepath.Join(dir, "bench")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	committed := filepath.Join(dir, "BENCHMARKS.md")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"-h"}, 0},
		{"unknown flag", []string{"-nope"}, 2},
		{"zero writers", tinyRun(dir, out, "-writers", "0"), 2},
		{"negative duration", tinyRun(dir, out, "-duration", "-1s"), 2},
		{"zero rounds", tinyRun(dir, out, "-rounds", "0"), 2},
		{"-only selecting no case", tinyRun(dir, out, "-only", "no-such-case"), 2},
		{"-only of commas only", tinyRun(dir, out, "-only", ","), 2},
		{"-only without -out", []string{"-only", "raw-sync"}, 2},
		{"-out in a missing directory", tinyRun(dir, filepath.Join(dir, "missing", "report.md")), 2},
		{"-out a directory", tinyRun(dir, dir), 2},
		{"-dir missing", tinyRun(filepath.Join(dir, "missing"), out), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, io.Discard)
			if got := exitCode(err); got != tt.want {
				t.Errorf("got exit status %d (error %v), want %d", got, err, tt.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("ran something:\n%s", stdout.String())
			}
			for _, f := range []string{out, committed} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("a report was written to %s", f)
					os.Remove(f)
				}
			}
		})
	}
}

// TestRun_writesReport: a run writes its report, whole, and leaves no temporary file beside
// it nor data under -dir.
func TestRun_writesReport(t *testing.T) {
	dir, outDir := t.TempDir(), t.TempDir()
	out := filepath.Join(outDir, "report.md")
	if err := os.WriteFile(out, []byte("the previous report"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), tinyRun(dir, out), &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# Benchmarks") || !strings.Contains(string(b), "## Versions") {
		t.Errorf("report:\n%s", b)
	}
	for _, d := range []string{dir, outDir} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Name() != "report.md" {
				t.Errorf("left %s in %s", e.Name(), d)
			}
		}
	}
	if !strings.Contains(stdout.String(), "[  1/1 ") {
		t.Errorf("progress:\n%s", stdout.String())
	}
}

// TestRun_interrupted: a cancelled run (Ctrl-C) stops its case at once, even one whose target
// ignores the context (the raw file loop), removes its data and writes no report: a report of
// the cases run so far would read as a complete one.
func TestRun_interrupted(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.md")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	err := run(ctx, tinyRun(dir, out, "-duration", "3s"), io.Discard, io.Discard)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s after the cancel, want the case stopped", took)
	}
	if !errors.Is(err, errInterrupted) || exitCode(err) != 130 {
		t.Errorf("got error %v (exit status %d), want %v (130)", err, exitCode(err), errInterrupted)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left %s", e.Name())
	}
}

// TestRunSoak_interrupted: a soak cut short is an error, not a soak of the length asked for.
func TestRunSoak_interrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	if _, err := runSoak(ctx, t.TempDir(), soakSteady, 10*time.Second, 50, 2, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want %v", err, context.Canceled)
	}
}

// TestMeasureFanout_interrupted: a cancelled fan-out stops waiting for its deliveries at once
// (a wait that ignored the cancel ran into its 30 s timeout).
func TestMeasureFanout_interrupted(t *testing.T) {
	a := startMemoryAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(time.Second, cancel)
	start := time.Now()
	_, err := measureFanout(ctx, a, 200, 10*time.Second)
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("took %s, want the cancel noticed", took)
	}
	if err == nil {
		t.Error("a cancelled fan-out measured")
	}
}

// ctxBlind is a write target that never looks at its context, as the raw baselines do.
type ctxBlind struct{ n atomic.Int64 }

func (c *ctxBlind) writer(int) appendFunc {
	return func(context.Context) error { c.n.Add(1); time.Sleep(time.Millisecond); return nil }
}
func (c *ctxBlind) close() error { return nil }

func TestMeasureWrites_stopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := measureWrites(ctx, &ctxBlind{}, 2, limits{duration: 5 * time.Second})
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %s, want the writers stopped by the cancel", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want %v", err, context.Canceled)
	}
}

// TestRunner_progress: each line gives the steps done of all, the time taken and an estimate
// of the time left, the soak's length included while it is still to come.
func TestRunner_progress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	r := &runner{cfg: config{soak: time.Minute}, out: &out, total: 4, start: now, now: func() time.Time { return now }}
	now = now.Add(10 * time.Second)
	r.progress("case %d", 1)
	now = now.Add(10 * time.Second)
	r.progress("case %d", 2)
	now = now.Add(70 * time.Second)
	r.soakTook = 70 * time.Second
	r.done++ // a third case, not printed
	r.progress("soak")
	want := "[  1/4 10s, ~1m20s left] case 1\n[  2/4 20s, ~1m10s left] case 2\n[  4/4 1m30s, done] soak\n"
	if out.String() != want {
		t.Errorf("got\n%swant\n%s", out.String(), want)
	}
}

// TestRenderReport_flagsAndSkips: the report's command line gives every flag that changed what
// was measured, and a measurement that was skipped leaves no row of zeros.
func TestRenderReport_flagsAndSkips(t *testing.T) {
	cfg := config{duration: time.Second, writers: []int{1}, rounds: 1, readEvents: 500, indexEvents: 1000, maxEvents: 0, subscribers: 0, api: true}
	r := results{
		res:    &resources{events: 1000, jsonlIndex: 30, commandIndex: 24, memoryStore: 300},
		fanout: []fanoutMeasurement{{subscribers: 5, events: 1200, last: []time.Duration{1}}, {subscribers: 5, events: 1300, last: []time.Duration{1}}},
	}
	out := renderReport(machine{Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}, cfg, r, time.Minute)
	for _, want := range []string{
		"-rounds 1 -resources=false -subscribers 0 -max-events 0 -read-events 500 -index-events 1000`",
		"Every write case runs for 1s, 1 round(s)",
		"| all rounds pooled | 5 | 2,500 |",
		"| 1 | 5 | 1,200 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "idle store subscriber") {
		t.Error("report has idle-subscriber rows of a run that measured none")
	}
	if strings.Contains(out, "fresh schema per case") {
		t.Error("report describes a PostgreSQL case the run did not make")
	}
}

// TestRenderReport_dataInMemory: a run whose data directory was on a file system in memory
// says that its durable numbers measured no disk.
func TestRenderReport_dataInMemory(t *testing.T) {
	cfg := config{duration: time.Second, writers: []int{1}, rounds: 1}
	out := renderReport(machine{DataFS: "tmpfs", DataInRAM: true}, cfg, results{}, time.Second)
	if !strings.Contains(out, "The cases' data (`-dir`) was on tmpfs. **That file system keeps its files in memory") {
		t.Errorf("report does not say the data was in memory:\n%s", out[:min(len(out), 2000)])
	}
}
