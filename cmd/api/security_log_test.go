package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// A server without bearer tokens says so at start-up: an INFO line when only this machine
// can reach it, a WARN when it listens beyond loopback (an empty EVENTGRAPH_AUTH_TOKENS, a
// secret not filled in, counts as unset, and the INFO line went unnoticed).
func TestLogSecurity_noTokens(t *testing.T) {
	for _, tc := range []struct {
		addr, level string
	}{
		{"127.0.0.1:8080", "INFO"},
		{"[::1]:8080", "INFO"},
		{"localhost:0", "INFO"},
		{"0.0.0.0:8080", "WARN"},
		{":8080", "WARN"},
		{"[::]:8080", "WARN"},
		{"10.1.2.3:8080", "WARN"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			var b syncbuf.Buffer
			logSecurity(slog.New(slog.NewTextHandler(&b, nil)), Config{Addr: tc.addr})
			var line string
			for l := range strings.Lines(b.String()) {
				if strings.Contains(l, "no --auth-tokens") {
					line = l
				}
			}
			if !strings.Contains(line, "level="+tc.level) {
				t.Errorf("the line about tokens: %q, want level %s", line, tc.level)
			}
		})
	}
}

// TestLogSecurity_lines: what logSecurity says at start-up for each setting that needs a word:
// the tokens in force and their scope, and a WARN for each protection that is off or
// permissive and for limits that defeat each other.
func TestLogSecurity_lines(t *testing.T) {
	tokens := func(c *Config) { c.AuthTokens = []string{token1} }
	for _, tc := range []struct {
		name   string
		set    func(c *Config)
		info   string   // an INFO line that must be there, "" for none
		warns  []string // the WARN lines' messages, each by its start
		absent string   // a message that must not be there
	}{
		{name: "defaults", set: func(*Config) {}},
		{name: "one token", set: tokens, info: `msg="bearer token required" for="mutations and subscriptions" tokens=1`, absent: "no --auth-tokens"},
		{name: "a token for queries too", set: func(c *Config) { tokens(c); c.AuthQueries = true }, info: `msg="bearer token required" for="every operation" tokens=1`},
		{name: "every origin", set: func(c *Config) { c.AllowedOrigins = []string{"https://a.example", "*"} }, warns: []string{"--allowed-origins=*"}},
		{name: "a write timeout equal to the consistency timeout", set: func(c *Config) { c.WriteTimeout = c.ConsistencyTimeout },
			warns: []string{"--write-timeout is not above --consistency-timeout"}},
		{name: "a write timeout just above the consistency timeout", set: func(c *Config) { c.WriteTimeout = c.ConsistencyTimeout + time.Millisecond }},
		{name: "no per-connection limit at all", set: func(c *Config) { c.MaxSubscriptionsPerConnection, c.MaxOperationsPerConnection = 0, 0 },
			warns: []string{"--max-subscriptions-per-connection=0: a WebSocket connection may hold any number", "--max-operations-per-connection=0"}},
		{name: "operations equal to subscriptions", set: func(c *Config) { c.MaxSubscriptionsPerConnection, c.MaxOperationsPerConnection = 50, 50 },
			warns: []string{"--max-operations-per-connection is not above --max-subscriptions-per-connection"}},
		{name: "operations just above subscriptions", set: func(c *Config) { c.MaxSubscriptionsPerConnection, c.MaxOperationsPerConnection = 50, 51 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.set(&c)
			var b syncbuf.Buffer
			logSecurity(slog.New(slog.NewTextHandler(&b, nil)), c)
			var warns []string
			for l := range strings.Lines(b.String()) {
				if _, msg, ok := strings.Cut(l, "level=WARN msg="); ok {
					warns = append(warns, strings.Trim(msg, "\"\n"))
				}
			}
			if len(warns) != len(tc.warns) {
				t.Fatalf("warnings %q, want %d: %q", warns, len(tc.warns), tc.warns)
			}
			for i, w := range tc.warns {
				if !strings.HasPrefix(warns[i], w) {
					t.Errorf("warning %q, want one starting %q", warns[i], w)
				}
			}
			if tc.info != "" && !strings.Contains(b.String(), "level=INFO "+tc.info) {
				t.Errorf("logs:\n%s\nwant an INFO line with %s", b.String(), tc.info)
			}
			if tc.absent != "" && strings.Contains(b.String(), tc.absent) {
				t.Errorf("logs:\n%s\nwant nothing about %q", b.String(), tc.absent)
			}
		})
	}
}
