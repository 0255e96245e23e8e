// Command bench measures eventgraph's stores side by side with raw file baselines and
// embedded peers (NATS JetStream, SQLite, hallgren/eventsourcing) in one run, so that the
// ratios hold on a noisy machine, and writes a Markdown report.
//
// Usage, from the bench directory (a Go module of its own, so the library never depends on
// the peers):
//
//	go run .                      # full run, writes ../BENCHMARKS.md
//	go run . -quick               # short smoke run
//	go run . -duration 2s -writers 1,16 -rounds 3 -out /tmp/report.md
//	go run . -only jsonl -api=false -cpuprofile cpu.out   # profile some cases
//	go run . -soak 10m                                    # add the memory soak
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
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
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		c       config
		writers string
	)
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "how long each case runs")
	fs.StringVar(&writers, "writers", "1,16,64", "comma-separated writer counts")
	fs.StringVar(&c.out, "out", "../BENCHMARKS.md", "where to write the Markdown report (empty: do not write)")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "directory for the cases' data (use a real disk: fsync is measured)")
	fs.IntVar(&c.rounds, "rounds", 1, "run every case this many times and report the median")
	fs.Int64Var(&c.maxEvents, "max-events", 2_000_000, "stop a write case early after this many events (bounds memory)")
	fs.IntVar(&c.readEvents, "read-events", 10_000, "events in the stream the read cases read")
	fs.StringVar(&c.only, "only", "", "run only the cases whose key contains one of these comma-separated strings")
	fs.BoolVar(&c.quick, "quick", false, "smoke run: 300ms per case, one round")
	fs.BoolVar(&c.api, "api", true, "also run the API-level cases (GraphQL over loopback HTTP)")
	fs.IntVar(&c.subscribers, "subscribers", 1000, "WebSocket subscribers of the fan-out case (0: skip it)")
	fs.BoolVar(&c.resources, "resources", true, "measure index memory per event, memory per idle subscriber and a restart on a log of -index-events events (open, read models caught up)")
	fs.IntVar(&c.indexEvents, "index-events", 200_000, "events in the logs of the index-memory and restart measurements")
	fs.DurationVar(&c.soak, "soak", 0, "also run a soak of this length (constant mutation load on JSONL durable, memory sampled); 0 skips it")
	fs.IntVar(&c.soakRate, "soak-rate", 500, "requests per second during the soak")
	fs.StringVar(&c.soakLoad, "soak-workload", soakSteady, "the soak's load: steady (each client changes its restaurant's menu and reads it: the data stays the same size) or mix (createRestaurant / placeOrder: the data grows)")
	fs.StringVar(&c.profileDir, "profile", "", "write a CPU profile per case into this directory and put the hot paths' top functions in the report")
	fs.StringVar(&c.notes, "notes", "notes.md", "a Markdown file of findings to include in the report (skipped when missing)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured cases to this file (combine with -only)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if c.quick {
		c.duration = 300 * time.Millisecond
		c.rounds = 1
	}
	for f := range strings.SplitSeq(writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return config{}, fmt.Errorf("bench: -writers: %q is not a positive number", f)
		}
		c.writers = append(c.writers, n)
	}
	if c.profileDir != "" && c.cpuProfile != "" {
		return config{}, fmt.Errorf("bench: -profile and -cpuprofile exclude each other")
	}
	if c.soakLoad != soakSteady && c.soakLoad != soakMix {
		return config{}, fmt.Errorf("bench: -soak-workload must be %s or %s", soakSteady, soakMix)
	}
	if c.duration <= 0 || c.rounds < 1 || c.readEvents < 1 || c.indexEvents < 1 || c.soakRate < 1 || c.soak < 0 {
		return config{}, fmt.Errorf("bench: -duration, -rounds, -read-events, -index-events and -soak-rate must be positive")
	}
	return c, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
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
	if err != nil {
		return err
	}
	report := renderReport(describeMachine(started), cfg, res, time.Since(started))
	if cfg.out == "" {
		return nil
	}
	if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
		return fmt.Errorf("bench: write report: %w", err)
	}
	fmt.Fprintf(stdout, "report written to %s\n", cfg.out)
	return nil
}
