package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// EnvPrefix prefixes the environment variable of every flag: --max-body-bytes
// is also EVENTGRAPH_MAX_BODY_BYTES. A flag given on the command line wins over
// its environment variable.
const EnvPrefix = "EVENTGRAPH_"

// Store kinds accepted by --store.
const (
	StoreJSONL    = "jsonl"
	StoreMemory   = "memory"
	StorePostgres = "postgres"
)

// Log formats accepted by --log-format.
const (
	LogText = "text"
	LogJSON = "json"
)

// Config is the server's configuration, as set by flags and environment variables.
type Config struct {
	Addr               string        // listen address, host:port; port 0 picks a free port
	Store              string        // StoreJSONL, StoreMemory or StorePostgres
	DataDir            string        // the JSONL store's directory (created if missing)
	PostgresURL        string        // the PostgreSQL store's database URL
	PostgresSchema     string        // the schema of the PostgreSQL store's tables
	ConsistencyTimeout time.Duration // how long a query with minPosition waits for the projections
	MaxBodyBytes       int64         // request body and WebSocket message limit; larger bodies get 413
	ComplexityLimit    int           // GraphQL query complexity limit
	AllowedOrigins     []string      // browser origins that may call the API (CORS) and open a WebSocket besides the server's own and loopback
	MaxRetries         int           // how often a command that lost a race on its stream is retried
	KeepAlive          time.Duration // interval of WebSocket and SSE keep-alive pings
	Introspection      bool          // allow schema introspection (the playground needs it)
	ShutdownTimeout    time.Duration // how long shutdown waits for in-flight requests
	LogFormat          string        // LogText or LogJSON
	LogLevel           slog.Level    // minimum level logged
	Playground         bool          // serve the GraphiQL playground at /
	PersistedQueries   int           // queries kept for Automatic Persisted Queries; 0 turns them off
	SecurityConfig                   // authentication, operation limits, timeouts
}

// DefaultConfig returns the configuration used when no flag or variable is set.
func DefaultConfig() Config {
	return Config{
		Addr:               "127.0.0.1:8080",
		Store:              StoreJSONL,
		DataDir:            "data",
		PostgresSchema:     postgres.DefaultSchema,
		ConsistencyTimeout: 5 * time.Second,
		MaxBodyBytes:       1 << 20,
		ComplexityLimit:    graph.DefaultComplexityLimit,
		MaxRetries:         eventsourcing.DefaultMaxRetries,
		KeepAlive:          graph.DefaultKeepAlive,
		Introspection:      true,
		ShutdownTimeout:    10 * time.Second,
		LogFormat:          LogText,
		LogLevel:           slog.LevelInfo,
		Playground:         true,
		PersistedQueries:   1000,
		SecurityConfig:     defaultSecurity(),
	}
}

// EnvName returns the environment variable of the flag name: "max-body-bytes"
// → "EVENTGRAPH_MAX_BODY_BYTES".
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns the flag set that fills c.
func newFlagSet(c *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("eventgraph", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // ParseFlags reports errors in one line of its own
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen `address` (host:port; port 0 picks a free port)")
	fs.StringVar(&c.Store, "store", c.Store, "`kind` of event store: jsonl (durable log in --data), memory (lost on exit) or postgres (--postgres-url, shared by several servers)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "`directory` of the jsonl store (created if missing)")
	fs.StringVar(&c.PostgresURL, "postgres-url", c.PostgresURL, "PostgreSQL database `URL` of the postgres store, e.g. postgres://user:pass@host:5432/db")
	fs.StringVar(&c.PostgresSchema, "postgres-schema", c.PostgresSchema, "`schema` of the postgres store's tables (created and migrated at start-up); servers sharing a log use the same one")
	fs.DurationVar(&c.ConsistencyTimeout, "consistency-timeout", c.ConsistencyTimeout, "how long a query with minPosition waits for the read models")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "request body limit in `bytes`")
	fs.IntVar(&c.ComplexityLimit, "complexity-limit", c.ComplexityLimit, "GraphQL query complexity `limit`")
	fs.Func("allowed-origins", "comma-separated browser `origins` that may call the API (CORS) and open a WebSocket besides the server's own and loopback, e.g. https://app.example.com (* allows any)", func(s string) error {
		c.AllowedOrigins = splitList(s)
		return nil
	})
	fs.IntVar(&c.MaxRetries, "max-retries", c.MaxRetries, "how often a command that lost a race on its stream is retried (without expectedVersion)")
	fs.DurationVar(&c.KeepAlive, "keep-alive", c.KeepAlive, "interval of WebSocket and SSE keep-alive pings")
	fs.BoolVar(&c.Introspection, "introspection", c.Introspection, "allow schema introspection (the playground needs it)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long shutdown waits for in-flight requests")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log `format`: text or json")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "minimum log `level`: debug, info, warn or error")
	fs.BoolVar(&c.Playground, "playground", c.Playground, "serve the GraphiQL playground at /")
	fs.IntVar(&c.PersistedQueries, "persisted-queries", c.PersistedQueries, "how many queries to keep for Automatic Persisted Queries (a client sends a query's SHA-256 hash instead of the query); 0 turns them off")
	addSecurityFlags(fs, &c.SecurityConfig)
	return fs
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseConfig returns the configuration set by args (without the program
// name) over the environment variables read with getenv, over the defaults.
// It returns flag.ErrHelp for -h or --help, and otherwise an error of one line
// naming the bad flag or variable.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	fs := newFlagSet(&c)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(f.Name)
		v := getenv(name)
		if v == "" || envErr != nil {
			return
		}
		if err := f.Value.Set(v); err != nil {
			envErr = fmt.Errorf("invalid value %q for %s: %v", v, name, err)
		}
	})
	if envErr != nil {
		return Config{}, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, flag.ErrHelp
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// validate checks values that parse but make no sense.
func (c Config) validate() error {
	switch {
	case c.Addr == "":
		return errors.New("invalid --addr: empty")
	case !validAddr(c.Addr):
		return fmt.Errorf("invalid --addr %q: want host:port (the host may be empty; port 0 picks a free port)", c.Addr)
	case c.Store != StoreJSONL && c.Store != StoreMemory && c.Store != StorePostgres:
		return fmt.Errorf("invalid --store %q: want jsonl, memory or postgres", c.Store)
	case c.Store == StoreJSONL && c.DataDir == "":
		return errors.New("invalid --data: empty (the jsonl store needs a directory)")
	case c.Store == StorePostgres && c.PostgresURL == "":
		return errors.New("invalid --postgres-url: empty (the postgres store needs a database URL)")
	case c.Store == StorePostgres && c.PostgresSchema == "":
		return errors.New("invalid --postgres-schema: empty")
	case c.ConsistencyTimeout <= 0:
		return fmt.Errorf("invalid --consistency-timeout %v: must be positive", c.ConsistencyTimeout)
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("invalid --max-body-bytes %d: must be positive", c.MaxBodyBytes)
	case c.ComplexityLimit <= 0:
		return fmt.Errorf("invalid --complexity-limit %d: must be positive", c.ComplexityLimit)
	case c.MaxRetries <= 0:
		return fmt.Errorf("invalid --max-retries %d: must be positive", c.MaxRetries)
	case c.KeepAlive <= 0:
		return fmt.Errorf("invalid --keep-alive %v: must be positive", c.KeepAlive)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("invalid --shutdown-timeout %v: must be positive", c.ShutdownTimeout)
	case c.PersistedQueries < 0:
		return fmt.Errorf("invalid --persisted-queries %d: must be 0 (off) or more", c.PersistedQueries)
	case c.LogFormat != LogText && c.LogFormat != LogJSON:
		return fmt.Errorf("invalid --log-format %q: want text or json", c.LogFormat)
	}
	return c.SecurityConfig.validate()
}

// validAddr reports whether addr is host:port with a port net.Listen takes: a number up to
// 65535 or a service name. Checked here so that a typo is an invalid value (status 2), not
// a failure to listen.
func validAddr(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false
	}
	_, err = net.LookupPort("tcp", port)
	return err == nil
}

// Usage writes the flags, their environment variables and defaults to w.
func Usage(w io.Writer) {
	c := DefaultConfig()
	fs := newFlagSet(&c)
	fmt.Fprintf(w, "Usage: eventgraph [flags]\n\nServes the eventgraph GraphQL API at /graphql and a GraphiQL playground at /.\n\nFlags (each also an environment variable; a flag wins over its variable):\n")
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			name = " " + name
		}
		fmt.Fprintf(w, "  --%s%s  (%s)\n    \t%s", f.Name, name, EnvName(f.Name), usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
