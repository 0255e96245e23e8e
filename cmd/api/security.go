package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/internal/loopback"
)

// MinTokenLength is the shortest bearer token --auth-tokens and --auth-token-file accept.
const MinTokenLength = 16

// SecurityConfig is the part of Config that protects the server: authentication, operation
// limits and connection timeouts. Each protection is on by default or switched on by its
// flag; each is off or permissive only by an explicit flag.
type SecurityConfig struct {
	// AuthTokens, when set, are the bearer tokens that mutations and subscriptions (and
	// queries, with AuthQueries) require, besides those of AuthTokenFile. Never logged.
	AuthTokens []string
	tokensErr  error // why AuthTokens were refused, reported by check without them
	// AuthTokenFile is a file of further tokens, one per line, read by ParseConfig.
	AuthTokenFile string
	fileTokens    []string // AuthTokenFile's tokens
	// AuthQueries makes queries require a token too.
	AuthQueries bool
	// MaxDepth limits how deeply an operation's selections nest; 0: no limit.
	MaxDepth int
	// MaxEventsBytes limits the bytes of the events that the events fields of one query
	// return together (graph.Config.MaxEventsBytes); 0: no limit.
	MaxEventsBytes int64
	// MaxSubscriptionsPerConnection limits the live subscriptions of one WebSocket
	// connection; 0: no limit.
	MaxSubscriptionsPerConnection int
	// MaxOperationsPerConnection limits the operations (queries, mutations and
	// subscriptions) running at once on one WebSocket connection; 0: no limit.
	MaxOperationsPerConnection int
	// MaxSubscriptions limits the live subscriptions of the whole server, over WebSocket
	// and Server-Sent Events; 0: no limit.
	MaxSubscriptions int
	// MaxConnections limits the client connections open at once; beyond it new ones wait
	// until one closes. 0: no limit.
	MaxConnections int
	// ReadHeaderTimeout bounds reading a request's headers; 0: no limit.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included; 0: no limit.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from its start to the end of its response, except for
	// subscription streams (WebSocket, Server-Sent Events), which live on; 0: no limit.
	WriteTimeout time.Duration
	// StreamWriteTimeout bounds the progress of a subscription stream's writes (each 32 KiB
	// of them): a client that stops reading is disconnected then, rather than holding the
	// server's memory and goroutines forever; 0: no limit.
	StreamWriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that waits longer for its next request; 0: no limit.
	IdleTimeout time.Duration
}

// defaultSecurity returns the protections in force when no flag is given.
func defaultSecurity() SecurityConfig {
	return SecurityConfig{
		MaxDepth:                      graph.DefaultMaxDepth,
		MaxEventsBytes:                graph.DefaultMaxEventsBytes,
		MaxSubscriptionsPerConnection: graph.DefaultMaxSubscriptionsPerConnection,
		MaxOperationsPerConnection:    graph.DefaultMaxOperationsPerConnection,
		MaxSubscriptions:              graph.DefaultMaxSubscriptions,
		MaxConnections:                defaultMaxConnections(),
		ReadHeaderTimeout:             10 * time.Second,
		ReadTimeout:                   30 * time.Second,
		WriteTimeout:                  30 * time.Second,
		StreamWriteTimeout:            10 * time.Second,
		IdleTimeout:                   2 * time.Minute,
	}
}

// addSecurityFlags adds the flags of SecurityConfig to fs.
func addSecurityFlags(fs *flag.FlagSet, c *SecurityConfig) {
	fs.Func("auth-tokens", "comma-separated bearer `tokens` (at least 16 characters each); when set, mutations and subscriptions need one", func(s string) error {
		// An error returned here would be printed with the value, tokens and all: check
		// reports it instead.
		tokens := splitList(s)
		c.AuthTokens, c.tokensErr = tokens, checkTokens(tokens)
		if len(tokens) == 0 {
			// As an empty token file is refused: given, but empty (a shell variable that
			// was not set, say), it would turn authentication off without a word.
			c.tokensErr = errors.New("holds no token; leave it out to run without bearer tokens")
		}
		return nil
	})
	fs.Func("auth-token-file", "`file` of bearer tokens, one per line, in UTF-8 (blank lines, lines starting with # and a byte order mark are ignored); like --auth-tokens", func(path string) error {
		tokens, err := readTokenFile(path)
		if err != nil {
			return err
		}
		c.AuthTokenFile, c.fileTokens = path, tokens
		return nil
	})
	fs.BoolVar(&c.AuthQueries, "auth-queries", c.AuthQueries, "require a bearer token for queries too (with --auth-tokens or --auth-token-file)")
	fs.IntVar(&c.MaxDepth, "max-depth", c.MaxDepth, "deepest nesting of an operation's selections (0: no limit)")
	fs.Int64Var(&c.MaxEventsBytes, "max-events-bytes", c.MaxEventsBytes, "bytes of events (ids, stream ids, types, and data and metadata where selected) that the events fields of one query may return together: a page ends early, short of first, to fit, and a field that finds them spent fails with RESPONSE_TOO_LARGE (0: no limit)")
	fs.IntVar(&c.MaxSubscriptionsPerConnection, "max-subscriptions-per-connection", c.MaxSubscriptionsPerConnection, "live subscriptions one WebSocket connection may hold (0: no limit of their own; --max-operations-per-connection still bounds them)")
	fs.IntVar(&c.MaxOperationsPerConnection, "max-operations-per-connection", c.MaxOperationsPerConnection, "operations (queries, mutations and subscriptions) one WebSocket connection may run at once; keep it above --max-subscriptions-per-connection (0: no limit)")
	fs.IntVar(&c.MaxSubscriptions, "max-subscriptions", c.MaxSubscriptions, "live subscriptions the whole server may hold, over WebSocket and Server-Sent Events (0: no limit)")
	fs.IntVar(&c.MaxConnections, "max-connections", c.MaxConnections, "client connections open at once, by default the open-file limit less 128 (at least 64); beyond it new ones wait until one closes (0: no limit)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "how long reading a request's headers may take (0: no limit)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "how long reading a whole request may take (0: no limit)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "how long a request may take until its response is written; subscription streams are exempt (0: no limit)")
	fs.DurationVar(&c.StreamWriteTimeout, "stream-write-timeout", c.StreamWriteTimeout, "how long a subscription stream (WebSocket or Server-Sent Events) may make no progress: each 32 KiB of its messages must reach the client within it, or the client is disconnected (0: no limit)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long a kept-alive connection may wait for its next request (0: no limit)")
}

// checkTokens refuses tokens that are too short to be secret or that hold whitespace or
// control characters (which no Authorization header carries intact).
func checkTokens(tokens []string) error {
	for i, t := range tokens {
		if n := len([]rune(t)); n < MinTokenLength {
			return fmt.Errorf("token %d is %d characters long; at least %d are needed", i+1, n, MinTokenLength)
		}
		if strings.ContainsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			return fmt.Errorf("token %d holds whitespace, a control character or an invisible format character (such as U+FEFF or U+200B)", i+1)
		}
	}
	return nil
}

// readTokenFile reads the tokens of path, one per line, in UTF-8. A byte order mark at the
// start, which Windows tools (PowerShell 5's Out-File, older Notepad) write, is dropped: kept,
// it would become part of the first token, which no client sends, or hide a first comment.
func readTokenFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var tokens []string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		text := sc.Text()
		if first {
			if strings.HasPrefix(text, "\xff\xfe") || strings.HasPrefix(text, "\xfe\xff") {
				return nil, fmt.Errorf("%s is in UTF-16: save it in UTF-8", path)
			}
			text = strings.TrimPrefix(text, "\ufeff")
		}
		line := strings.TrimSpace(text)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tokens = append(tokens, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("%s holds no token", path)
	}
	if err := checkTokens(tokens); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tokens, nil
}

// Tokens returns every accepted bearer token: AuthTokens and AuthTokenFile's.
func (c SecurityConfig) Tokens() []string {
	return slices.Concat(c.AuthTokens, c.fileTokens)
}

// check checks values that parse but make no sense, naming each setting by
// source(flag name); see Config.check.
func (c SecurityConfig) check(source func(flagName string) string) error {
	switch {
	case c.tokensErr != nil:
		return fmt.Errorf("invalid %s: %v", source("auth-tokens"), c.tokensErr)
	case c.AuthQueries && len(c.Tokens()) == 0:
		return fmt.Errorf("invalid %s: needs --auth-tokens or --auth-token-file (or their variables)", source("auth-queries"))
	case c.MaxDepth < 0:
		return fmt.Errorf("invalid %s %d: must not be negative (0: no limit)", source("max-depth"), c.MaxDepth)
	case c.MaxEventsBytes < 0:
		return fmt.Errorf("invalid %s %d: must not be negative (0: no limit)", source("max-events-bytes"), c.MaxEventsBytes)
	case c.MaxSubscriptionsPerConnection < 0:
		return fmt.Errorf("invalid %s %d: must not be negative (0: no limit)", source("max-subscriptions-per-connection"), c.MaxSubscriptionsPerConnection)
	case c.MaxOperationsPerConnection < 0:
		return fmt.Errorf("invalid %s %d: must not be negative (0: no limit)", source("max-operations-per-connection"), c.MaxOperationsPerConnection)
	case c.MaxConnections < 0:
		return fmt.Errorf("invalid %s %d: must not be negative (0: no limit)", source("max-connections"), c.MaxConnections)
	case c.MaxSubscriptions < 0:
		return fmt.Errorf("invalid %s %d: must not be negative (0: no limit)", source("max-subscriptions"), c.MaxSubscriptions)
	}
	for _, t := range []struct {
		flag string
		d    time.Duration
	}{
		{"read-header-timeout", c.ReadHeaderTimeout},
		{"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout},
		{"stream-write-timeout", c.StreamWriteTimeout},
		{"idle-timeout", c.IdleTimeout},
	} {
		if t.d < 0 {
			return fmt.Errorf("invalid %s %v: must not be negative (0: no limit)", source(t.flag), t.d)
		}
	}
	return nil
}

// fdReserve is how many of the process's file descriptors the default of --max-connections
// leaves to the store and the runtime; minMaxConnections its least default.
const (
	fdReserve         = 128
	minMaxConnections = 64
)

// graphLimit maps a limit whose 0 means "none" to graph.Config's convention (negative: none).
func graphLimit[N int | int64](n N) N {
	if n == 0 {
		return -1
	}
	return n
}

// graphTimeout maps a timeout whose 0 means "none" to graph.Config's convention (0: the
// default; negative: none).
func graphTimeout(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// logSecurity logs, once at start-up, the protections that are off or permissive: a WARN
// for each (validation refused negative values, so 0 is the only "off").
func logSecurity(logger *slog.Logger, c Config) {
	if n := len(c.Tokens()); n > 0 {
		scope := "mutations and subscriptions"
		if c.AuthQueries {
			scope = "every operation"
		}
		logger.Info("bearer token required", "for", scope, "tokens", n)
	} else if host, _, err := net.SplitHostPort(c.Addr); err == nil && loopback.Host(strings.Trim(host, "[]")) {
		logger.Info("no --auth-tokens: anyone who reaches the server may run mutations")
	} else {
		// Reachable from other machines with no token: an empty EVENTGRAPH_AUTH_TOKENS (a
		// secret that was not filled in) counts as unset, and an INFO line went unnoticed.
		logger.Warn("no --auth-tokens and --addr is not a loopback address: anyone on the network may run mutations", "addr", c.Addr)
	}
	if slices.Contains(c.AllowedOrigins, "*") {
		logger.Warn("--allowed-origins=* lets every web site call the API from its visitors' browsers")
	}
	// http.Server reads a zero ReadHeaderTimeout or IdleTimeout as its ReadTimeout, which
	// Main leaves 0 (deadlines applies --read-timeout per request): so 0 is no limit.
	for _, off := range []struct {
		off  bool
		warn string
	}{
		{c.MaxDepth == 0, "--max-depth=0: operations may nest without limit"},
		{c.MaxEventsBytes == 0, "--max-events-bytes=0: a query of a few events fields may return gigabytes of events"},
		{c.MaxSubscriptionsPerConnection == 0 && c.MaxOperationsPerConnection == 0, "--max-subscriptions-per-connection=0: a WebSocket connection may hold any number of subscriptions"},
		{c.MaxSubscriptionsPerConnection == 0 && c.MaxOperationsPerConnection > 0, "--max-subscriptions-per-connection=0: a WebSocket connection may hold as many subscriptions as --max-operations-per-connection lets it run"},
		{c.MaxOperationsPerConnection == 0, "--max-operations-per-connection=0: a WebSocket connection may run any number of operations at once"},
		{c.MaxSubscriptions == 0, "--max-subscriptions=0: the server may hold any number of subscriptions"},
		{c.MaxConnections == 0 && defaultMaxConnections() > 0, "--max-connections=0: clients may open connections until the process has no file descriptor left for the store"},
		{c.ReadHeaderTimeout == 0, "--read-header-timeout=0: a client may take any time to send a request's headers"},
		{c.ReadTimeout == 0, "--read-timeout=0: a client may take any time to send a request"},
		{c.WriteTimeout == 0, "--write-timeout=0: a request may take any time until its response is written"},
		{c.StreamWriteTimeout == 0, "--stream-write-timeout=0: a subscriber that stops reading holds its stream open forever"},
		{c.IdleTimeout == 0, "--idle-timeout=0: a kept-alive connection may wait for its next request forever"},
	} {
		if off.off {
			logger.Warn(off.warn)
		}
	}
	if ops, subs := c.MaxOperationsPerConnection, c.MaxSubscriptionsPerConnection; ops > 0 && subs > 0 && ops <= subs {
		logger.Warn("--max-operations-per-connection is not above --max-subscriptions-per-connection: a WebSocket connection that holds its subscriptions can run no query beside them",
			"max_operations_per_connection", ops, "max_subscriptions_per_connection", subs)
	}
	if c.WriteTimeout > 0 && c.WriteTimeout <= c.ConsistencyTimeout {
		logger.Warn("--write-timeout is not above --consistency-timeout: queries waiting for minPosition may end with CONSISTENCY_TIMEOUT before --consistency-timeout",
			"write_timeout", c.WriteTimeout, "consistency_timeout", c.ConsistencyTimeout)
	}
}
