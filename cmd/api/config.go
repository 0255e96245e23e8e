package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
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
	ShutdownDelay      time.Duration // how long /readyz answers 503 before shutdown stops accepting
	LogFormat          string        // LogText or LogJSON
	LogLevel           slog.Level    // minimum level logged
	Playground         bool          // serve the GraphiQL playground at /
	PersistedQueries   int           // queries kept for Automatic Persisted Queries; 0 turns them off
	SnapshotEvery      int           // events of a stream between snapshots of its state; 0 turns them off
	StateInterval      time.Duration // how often the read models' states are saved beside a JSONL or PostgreSQL log; 0 turns them off
	StateEvery         int           // events the read models apply between saves of their states, besides StateInterval; 0: by the interval only
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
		SnapshotEvery:      1000,
		StateInterval:      eventsourcing.DefaultStateInterval,
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
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "request body and WebSocket message limit in `bytes` (413 beyond; a larger WebSocket message closes its connection with 1009)")
	fs.IntVar(&c.ComplexityLimit, "complexity-limit", c.ComplexityLimit, "GraphQL query complexity `limit`")
	fs.Func("allowed-origins", "comma-separated browser `origins` (scheme://host[:port] as browsers send it, e.g. https://app.example.com; * allows any) that may call the API (CORS) and open a WebSocket besides the server's own and loopback", func(s string) error {
		c.AllowedOrigins = splitList(s)
		return nil
	})
	fs.IntVar(&c.MaxRetries, "max-retries", c.MaxRetries, "how often a command that lost a race on its stream is retried (without expectedVersion)")
	fs.DurationVar(&c.KeepAlive, "keep-alive", c.KeepAlive, "interval of WebSocket and SSE keep-alive pings; a WebSocket client that answers none for two intervals is disconnected")
	fs.BoolVar(&c.Introspection, "introspection", c.Introspection, "allow schema introspection (the playground needs it)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long shutdown waits for in-flight requests")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", c.ShutdownDelay, "on SIGINT, SIGTERM or SIGHUP, how long to go on serving with /readyz answering 503 before the shutdown stops accepting connections, so that a load balancer stops sending requests first (--shutdown-timeout starts after it); 0 stops at once")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log `format`: text or json")
	fs.Var((*logLevel)(&c.LogLevel), "log-level", "minimum log `level`: debug, info, warn or error")
	fs.BoolVar(&c.Playground, "playground", c.Playground, "serve the GraphiQL playground at /")
	fs.IntVar(&c.PersistedQueries, "persisted-queries", c.PersistedQueries, "how many queries to keep for Automatic Persisted Queries (a client sends a query's SHA-256 hash instead of the query); 0 turns them off")
	fs.IntVar(&c.SnapshotEvery, "snapshot-every", c.SnapshotEvery, "save a snapshot of a restaurant's state every `n` events of its stream (a restaurant with very many orders less often, to write about 256 bytes of snapshot an event), so that a restart does not fold long streams from their first event; 0 turns snapshots off")
	fs.IntVar(&c.StateEvery, "state-every", c.StateEvery, "also save the read models' states once every `n` events they apply after the log's head at the start (the replay up to it is saved by the interval; counted apart from the saves of --state-interval, and ignored when that is 0), so that a restart after a burst of writes replays at most about n events; 0 saves by the interval only")
	fs.DurationVar(&c.StateInterval, "state-interval", c.StateInterval, "how often to save the read models' in-memory states beside the log (jsonl: in DIR/readmodels/; postgres: in the table projection_states, shared by the servers of a schema), and once more at shutdown, so that a restart loads them instead of replaying the whole log; 0 turns them off (every start replays the log)")
	addSecurityFlags(fs, &c.SecurityConfig)
	return fs
}

// logLevel is the flag.Value of --log-level: a slog.Level that prints in lower case, as
// the flag is documented and usually given ("info", not slog's "INFO").
type logLevel slog.Level

func (l *logLevel) String() string { return strings.ToLower(slog.Level(*l).String()) }

func (l *logLevel) Set(s string) error {
	if (*slog.Level)(l).UnmarshalText([]byte(s)) != nil {
		return errors.New("want debug, info, warn or error")
	}
	return nil
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
// The variable of a flag given in args is ignored, not even parsed. It returns
// flag.ErrHelp for -h or --help, and otherwise an error of one line naming the
// bad flag or variable: the one the bad value came from.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	fs := newFlagSet(&c)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, flag.ErrHelp
		}
		return Config{}, explainFlagError(fs, err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	fromEnv := map[string]bool{}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(f.Name)
		v := getenv(name)
		if v == "" || given[f.Name] || envErr != nil {
			return
		}
		if err := f.Value.Set(v); err != nil {
			envErr = fmt.Errorf("invalid %s %q: %s", name, v, valueProblem(f, err))
			return
		}
		fromEnv[f.Name] = true
	})
	if envErr != nil {
		return Config{}, envErr
	}
	source := func(flagName string) string {
		if fromEnv[flagName] {
			return EnvName(flagName)
		}
		return "--" + flagName
	}
	if err := c.check(source); err != nil {
		return Config{}, err
	}
	return c, nil
}

// flagSource names every setting by its flag, for a Config not read by ParseConfig.
func flagSource(flagName string) string { return "--" + flagName }

// validate checks values that parse but make no sense; its errors name the flags.
func (c Config) validate() error { return c.check(flagSource) }

// check checks values that parse but make no sense. Its errors name each setting by
// source(flag name): the flag or the environment variable the value came from.
func (c Config) check(source func(flagName string) string) error {
	switch {
	case c.Addr == "":
		return fmt.Errorf("invalid %s: empty", source("addr"))
	case !validAddr(c.Addr):
		return fmt.Errorf("invalid %s %q: want host:port (the host may be empty; port 0 picks a free port)", source("addr"), c.Addr)
	case c.Store != StoreJSONL && c.Store != StoreMemory && c.Store != StorePostgres:
		return fmt.Errorf("invalid %s %q: want jsonl, memory or postgres", source("store"), c.Store)
	case c.Store == StoreJSONL && c.DataDir == "":
		return fmt.Errorf("invalid %s: empty (the jsonl store needs a directory)", source("data"))
	case c.Store == StorePostgres && c.PostgresURL == "":
		return fmt.Errorf("invalid %s: empty (the postgres store needs a database URL)", source("postgres-url"))
	case c.Store == StorePostgres && c.PostgresSchema == "":
		return fmt.Errorf("invalid %s: empty", source("postgres-schema"))
	case c.Store == StorePostgres && len(c.PostgresSchema) > postgres.MaxSchemaBytes:
		return fmt.Errorf("invalid %s: %d bytes, over PostgreSQL's limit of %d", source("postgres-schema"), len(c.PostgresSchema), postgres.MaxSchemaBytes)
	case c.ConsistencyTimeout <= 0:
		return fmt.Errorf("invalid %s %v: must be positive", source("consistency-timeout"), c.ConsistencyTimeout)
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("invalid %s %d: must be positive", source("max-body-bytes"), c.MaxBodyBytes)
	case c.ComplexityLimit <= 0:
		return fmt.Errorf("invalid %s %d: must be positive", source("complexity-limit"), c.ComplexityLimit)
	case c.MaxRetries <= 0:
		return fmt.Errorf("invalid %s %d: must be positive", source("max-retries"), c.MaxRetries)
	case c.KeepAlive <= 0:
		return fmt.Errorf("invalid %s %v: must be positive", source("keep-alive"), c.KeepAlive)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("invalid %s %v: must be positive", source("shutdown-timeout"), c.ShutdownTimeout)
	case c.ShutdownDelay < 0:
		return fmt.Errorf("invalid %s %v: must be 0 (none) or more", source("shutdown-delay"), c.ShutdownDelay)
	case c.PersistedQueries < 0:
		return fmt.Errorf("invalid %s %d: must be 0 (off) or more", source("persisted-queries"), c.PersistedQueries)
	case c.SnapshotEvery < 0:
		return fmt.Errorf("invalid %s %d: must be 0 (off) or more", source("snapshot-every"), c.SnapshotEvery)
	case c.StateInterval < 0:
		return fmt.Errorf("invalid %s %v: must be 0 (off) or more", source("state-interval"), c.StateInterval)
	case c.StateEvery < 0:
		return fmt.Errorf("invalid %s %d: must be 0 (by the interval only) or more", source("state-every"), c.StateEvery)
	case c.LogFormat != LogText && c.LogFormat != LogJSON:
		return fmt.Errorf("invalid %s %q: want text or json", source("log-format"), c.LogFormat)
	}
	if c.Store == StorePostgres {
		if err := checkPostgresURL(c.PostgresURL); err != nil {
			return fmt.Errorf("invalid %s: %v", source("postgres-url"), err) // never the URL: it may hold a password
		}
	}
	for _, o := range c.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			return fmt.Errorf("invalid %s %q: %v", source("allowed-origins"), redactedOrigin(o), err)
		}
	}
	return c.SecurityConfig.check(source)
}

// redactedOrigin is o as an error may quote it: with the password of a user name and
// password it holds (which checkOrigin refuses) masked.
func redactedOrigin(o string) string {
	if u, err := url.Parse(o); err == nil && u.User != nil {
		return u.Redacted()
	}
	return o
}

// checkOrigin checks an entry of --allowed-origins: "*" or a browser origin,
// scheme://host[:port] with scheme http or https, which is what a browser's Origin header
// holds (with the scheme's default port left out). Anything else would never match one.
func checkOrigin(o string) error {
	const want = "want scheme://host[:port] with scheme http or https, e.g. https://app.example.com, or *"
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	switch {
	case err != nil || u.Opaque != "" || u.Scheme == "":
		return errors.New(want)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q: %s", u.Scheme, want)
	case u.User != nil:
		return fmt.Errorf("holds a user name or password: %s", want)
	case u.Path != "" && u.Path != "/", u.RawQuery != "" || u.ForceQuery, u.Fragment != "" || strings.HasSuffix(o, "#"):
		return fmt.Errorf("holds a path, query or fragment: %s", want)
	case u.Hostname() == "":
		return fmt.Errorf("no host: %s", want)
	case strings.Contains(u.Hostname(), "*"):
		return fmt.Errorf("a wildcard matches no origin (only a lone * allows every origin): %s", want)
	}
	if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("empty port: %s", want)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || p[0] == '0' {
			return fmt.Errorf("port %s: want 1 to 65535, written as browsers write it (no leading zero)", p)
		}
		if u.Scheme == "http" && n == 80 || u.Scheme == "https" && n == 443 {
			return fmt.Errorf("browsers leave the default port %s of %s out of the origin: drop :%s", p, u.Scheme, p)
		}
	}
	return nil
}

// checkPostgresURL checks the syntax of a PostgreSQL connection string as the postgres
// store will parse it (a postgres:// URL or key=value settings), so that a typo is an
// invalid value (status 2) rather than a failure to connect. Its error never holds the
// string: that may hold a password.
func checkPostgresURL(s string) error {
	err := postgres.CheckURL(s)
	if err != nil && !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") && !strings.Contains(s, "=") {
		return errors.New("not a postgres:// URL: want postgres://user:password@host:port/database or key=value settings")
	}
	return err
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
	fmt.Fprintf(w, "Usage: api [flags]   (from a checkout: go run ./cmd/api [flags])\n\nServes the eventgraph GraphQL API at /graphql and a GraphiQL playground at /.\n\nFlags (each also an environment variable; a flag wins over its variable):\n")
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
