// Command bench measures eventgraph's stores side by side with raw file baselines and
// embedded peers (NATS JetStream, SQLite, hallgren/eventsourcing) in one run, so that the
// ratios hold on a noisy machine, and writes a Markdown report.
//
// Usage, from the bench directory (a Go module of its own, so the library never depends on
// the peers):
//
//	go run .                      # full run, writes ../BENCHMARKS.md
//	go run . -quick -out ''       # short smoke run, no report
//	go run . -duration 2s -writers 1,16 -rounds 3 -out /tmp/report.md
//	go run . -only jsonl -api=false -out '' -cpuprofile cpu.out   # profile some cases
//	go run . -soak 10m                                            # add the memory soak
//
// A partial run (-only, -quick) must name its -out, so that it never replaces the committed
// report by accident. Bad flags exit with status 2, an interrupted run (Ctrl-C) with 130 and
// no report; a second Ctrl-C quits at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config holds the command's flags.
type config struct {
	duration    time.Duration
	writers     []int
	out         string
	dir         string
	rounds      int
	maxEvents   int64
	readEvents  int
	only        string
	quick       bool
	cpuProfile  string
	api         bool
	subscribers int
	resources   bool
	indexEvents int
	soak        time.Duration
	soakRate    int
	soakLoad    string
	profileDir  string
	notes       string
	// postgresDown, when set, says why the configured PostgreSQL server is left out of the
	// run (it could not be reached when the run started).
	postgresDown string
}

// usageError is a bad flag or flag value: the command exits with status 2, as package flag's
// own commands do. shown is set when package flag has printed it already.
type usageError struct {
	err   error
	shown bool
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...)}
}

// errInterrupted is returned by run when the context was cancelled (Ctrl-C): nothing is
// written, since a report of the cases run so far would read as a complete one.
var errInterrupted = errors.New("bench: interrupted: no report written")

// maxSoakRate bounds -soak-rate: the soak's ticker needs a positive period.
const maxSoakRate = 1_000_000

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		c       config
		writers string
	)
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "how long each case runs")
	fs.StringVar(&writers, "writers", "1,16,64", "comma-separated writer counts")
	fs.StringVar(&c.out, "out", defaultOut, "where to write the Markdown report (empty: do not write); required with -only and -quick, which make a partial report")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "directory for the cases' data (use a real disk: fsync is measured)")
	fs.IntVar(&c.rounds, "rounds", 1, "run every case this many times and report the median")
	fs.Int64Var(&c.maxEvents, "max-events", defaultMaxEvents, "stop a write case early after this many events (bounds memory; 0: no cap)")
	fs.IntVar(&c.readEvents, "read-events", defaultReadEvents, "events in the stream the read cases read")
	fs.StringVar(&c.only, "only", "", "run only the cases whose key contains one of these comma-separated strings (keys: "+strings.Join(caseKeys(), ", ")+")")
	fs.BoolVar(&c.quick, "quick", false, "smoke run: 300ms per case, one round")
	fs.BoolVar(&c.api, "api", true, "also run the API-level cases (GraphQL over loopback HTTP)")
	fs.IntVar(&c.subscribers, "subscribers", defaultSubscribers, "WebSocket subscribers of the fan-out case, and idle store subscribers of the resources measurement (0: skip both)")
	fs.BoolVar(&c.resources, "resources", true, "measure index memory per event, memory per idle subscriber and a restart on a log of -index-events events (open, read models caught up)")
	fs.IntVar(&c.indexEvents, "index-events", defaultIndexEvents, "events in the logs of the index-memory and restart measurements")
	fs.DurationVar(&c.soak, "soak", 0, "also run a soak of this length (constant mutation load on JSONL durable, memory sampled); 0 skips it")
	fs.IntVar(&c.soakRate, "soak-rate", 500, "requests per second during the soak")
	fs.StringVar(&c.soakLoad, "soak-workload", soakSteady, "the soak's load: steady (each client changes its restaurant's menu and reads it: the data stays the same size) or mix (createRestaurant / placeOrder: the data grows)")
	fs.StringVar(&c.profileDir, "profile", "", "write a CPU profile per case into this directory and put the hot paths' top functions in the report")
	fs.StringVar(&c.notes, "notes", "notes.md", "a Markdown file of findings to include in the report (skipped when missing)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured cases to this file (combine with -only)")
	if err := fs.Parse(args); err != nil {
		return config{}, usageError{err: err, shown: true}
	}
	if fs.NArg() > 0 {
		return config{}, usagef("bench: unexpected arguments %q (flags only; see -h)", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if (c.only != "" || c.quick) && !set["out"] {
		return config{}, usagef("bench: -only and -quick make a partial report: name it with -out FILE (or -out '' for none), so that it does not replace %s", defaultOut)
	}
	if c.quick {
		c.duration = 300 * time.Millisecond
		c.rounds = 1
	}
	for f := range strings.SplitSeq(writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return config{}, usagef("bench: -writers: %q is not a positive number", f)
		}
		c.writers = append(c.writers, n)
	}
	if c.profileDir != "" && c.cpuProfile != "" {
		return config{}, usagef("bench: -profile and -cpuprofile exclude each other")
	}
	if c.soakLoad != soakSteady && c.soakLoad != soakMix {
		return config{}, usagef("bench: -soak-workload must be %s or %s", soakSteady, soakMix)
	}
	if c.duration <= 0 || c.rounds < 1 || c.readEvents < 1 || c.indexEvents < 1 || c.soakRate < 1 {
		return config{}, usagef("bench: -duration, -rounds, -read-events, -index-events and -soak-rate must be positive")
	}
	if c.soakRate > maxSoakRate {
		return config{}, usagef("bench: -soak-rate must be at most %d", maxSoakRate)
	}
	if c.soak < 0 || c.maxEvents < 0 || c.subscribers < 0 {
		return config{}, usagef("bench: -soak, -max-events and -subscribers must not be negative")
	}
	return c, nil
}

// Defaults of the flags; the report's command line gives those that differ.
const (
	defaultOut         = "../BENCHMARKS.md" // the committed report, relative to the bench directory
	defaultMaxEvents   = 2_000_000
	defaultReadEvents  = 10_000
	defaultSubscribers = 1000
	defaultIndexEvents = 200_000
)

// exitCode is the command's exit status for run's error.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, errInterrupted):
		return 130
	}
	return 1
}

func main() {
	// The first Ctrl-C (or SIGTERM) cancels the run, which then cleans up (its data
	// directory, servers, PostgreSQL schemas); a second one quits at once.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		signal.Stop(sigs)
		fmt.Fprintln(os.Stderr, "bench: interrupted, cleaning up (Ctrl-C again to quit at once)")
		cancel()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var ue usageError
	if err != nil && !errors.Is(err, flag.ErrHelp) && !(errors.As(err, &ue) && ue.shown) {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(exitCode(err))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := checkPaths(cfg); err != nil {
		return err
	}
	cfg.postgresDown = checkPostgres(ctx, cfg, stderr)
	if planAll(cfg).steps(cfg) == 0 {
		return usagef("bench: -only %q selects no case (keys: %s%s)", cfg.only, strings.Join(caseKeys(), ", "), postgresHint())
	}
	if fs, inRAM := fileSystem(cfg.dir); inRAM {
		fmt.Fprintf(stderr, "bench: -dir %s is on %s, in memory: the durable cases will measure no disk (give -dir a directory on a disk)\n", cfg.dir, fs)
	}
	if cfg.notes != "" {
		if _, err := os.Stat(cfg.notes); err != nil {
			fmt.Fprintf(stderr, "bench: -notes: %v; the report will have no findings section\n", err)
		}
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	started := time.Now()
	res, err := runAll(ctx, cfg, stdout)
	if ctx.Err() != nil {
		return errInterrupted
	}
	if err != nil {
		return err
	}
	report := renderReport(describeMachine(started, cfg.dir), cfg, res, time.Since(started))
	if cfg.out == "" {
		return nil
	}
	if err := writeReport(cfg.out, report); err != nil {
		return fmt.Errorf("bench: write report: %w", err)
	}
	fmt.Fprintf(stdout, "report written to %s\n", cfg.out)
	return nil
}

// checkPaths checks, before anything runs, that -dir is a directory and that -out can be
// written, so that a run of many minutes does not end without its report.
func checkPaths(cfg config) error {
	if fi, err := os.Stat(cfg.dir); err != nil {
		return usagef("bench: -dir: %w", err)
	} else if !fi.IsDir() {
		return usagef("bench: -dir: %s is not a directory", cfg.dir)
	}
	if cfg.out == "" {
		return nil
	}
	if fi, err := os.Stat(cfg.out); err == nil && !fi.Mode().IsRegular() {
		return usagef("bench: -out: %s is not a regular file", cfg.out)
	}
	f, err := os.CreateTemp(filepath.Dir(cfg.out), ".bench-report-*")
	if err != nil {
		return usagef("bench: -out: cannot write beside %s: %w", cfg.out, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeReport replaces the file at path with the report in one rename, so that a reader (or
// a write that fails half-way) never sees half a report.
func writeReport(path, report string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".bench-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, a no-op
	if _, err := f.WriteString(report); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
