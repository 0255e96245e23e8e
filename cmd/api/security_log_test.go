package main

import (
	"log/slog"
	"strings"
	"testing"

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
