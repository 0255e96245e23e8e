package main

import (
	"errors"
	"flag"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph"
)

// env returns a getenv reading from vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfig_defaults(t *testing.T) {
	got, err := ParseConfig(nil, env(nil))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := Config{
		Addr:               "127.0.0.1:8080",
		Store:              "jsonl",
		DataDir:            "data",
		PostgresSchema:     "eventgraph",
		ConsistencyTimeout: 5 * time.Second,
		MaxBodyBytes:       1 << 20,
		ComplexityLimit:    graph.DefaultComplexityLimit,
		MaxRetries:         eventsourcing.DefaultMaxRetries,
		KeepAlive:          10 * time.Second,
		Introspection:      true,
		ShutdownTimeout:    10 * time.Second,
		LogFormat:          "text",
		LogLevel:           slog.LevelInfo,
		Playground:         true,
		PersistedQueries:   1000,
		SecurityConfig:     defaultSecurity(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseConfig_precedence(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(c Config) (got, want any)
	}{
		{
			name:  "a flag sets the value",
			args:  []string{"--addr", "127.0.0.1:0"},
			check: func(c Config) (any, any) { return c.Addr, "127.0.0.1:0" },
		},
		{
			name:  "an environment variable sets the value",
			env:   map[string]string{"EVENTGRAPH_ADDR": "127.0.0.1:9999"},
			check: func(c Config) (any, any) { return c.Addr, "127.0.0.1:9999" },
		},
		{
			name:  "the flag wins over the environment variable",
			args:  []string{"--store=memory"},
			env:   map[string]string{"EVENTGRAPH_STORE": "jsonl"},
			check: func(c Config) (any, any) { return c.Store, "memory" },
		},
		{
			name:  "an empty environment variable is unset",
			env:   map[string]string{"EVENTGRAPH_DATA": ""},
			check: func(c Config) (any, any) { return c.DataDir, "data" },
		},
		{
			name:  "a multi-word flag has an underscored variable",
			env:   map[string]string{"EVENTGRAPH_MAX_BODY_BYTES": "2048"},
			check: func(c Config) (any, any) { return c.MaxBodyBytes, int64(2048) },
		},
		{
			name:  "durations parse",
			args:  []string{"-consistency-timeout", "250ms"},
			env:   map[string]string{"EVENTGRAPH_CONSISTENCY_TIMEOUT": "9s"},
			check: func(c Config) (any, any) { return c.ConsistencyTimeout, 250 * time.Millisecond },
		},
		{
			name:  "origins are a comma-separated list",
			env:   map[string]string{"EVENTGRAPH_ALLOWED_ORIGINS": " https://a.example , ,https://b.example"},
			check: func(c Config) (any, any) { return c.AllowedOrigins, []string{"https://a.example", "https://b.example"} },
		},
		{
			name:  "log format and level",
			args:  []string{"--log-format", "json", "--log-level", "debug"},
			check: func(c Config) (any, any) { return [2]any{c.LogFormat, c.LogLevel}, [2]any{"json", slog.LevelDebug} },
		},
		{
			name:  "the playground can be turned off by variable",
			env:   map[string]string{"EVENTGRAPH_PLAYGROUND": "false"},
			check: func(c Config) (any, any) { return c.Playground, false },
		},
		{
			name:  "data directory and complexity limit",
			args:  []string{"--data", "/tmp/x", "--complexity-limit", "50"},
			check: func(c Config) (any, any) { return [2]any{c.DataDir, c.ComplexityLimit}, [2]any{"/tmp/x", 50} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.args, env(tt.env))
			if err != nil {
				t.Fatalf("ParseConfig(%q, %v): %v", tt.args, tt.env, err)
			}
			if got, want := tt.check(c); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestParseConfig_invalid(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantText string // the error names the culprit
	}{
		{"unknown store", []string{"--store", "mysql"}, nil, "--store"},
		{"postgres without a URL", []string{"--store", "postgres"}, nil, "--postgres-url"},
		{"postgres with an empty schema", []string{"--store", "postgres", "--postgres-url", "postgres://db/x", "--postgres-schema", ""}, nil, "--postgres-schema"},
		{"unknown store by variable", nil, map[string]string{"EVENTGRAPH_STORE": "sqlite"}, "--store"},
		{"unknown log format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"unknown log level", []string{"--log-level", "loud"}, nil, "log-level"},
		{"zero body limit", []string{"--max-body-bytes", "0"}, nil, "--max-body-bytes"},
		{"negative body limit", []string{"--max-body-bytes=-1"}, nil, "--max-body-bytes"},
		{"not a number", []string{"--max-body-bytes", "lots"}, nil, "max-body-bytes"},
		{"not a number by variable", nil, map[string]string{"EVENTGRAPH_MAX_BODY_BYTES": "lots"}, "EVENTGRAPH_MAX_BODY_BYTES"},
		{"not a duration", []string{"--consistency-timeout", "5"}, nil, "consistency-timeout"},
		{"zero consistency timeout", []string{"--consistency-timeout", "0s"}, nil, "--consistency-timeout"},
		{"zero complexity limit", []string{"--complexity-limit", "0"}, nil, "--complexity-limit"},
		{"zero retries", []string{"--max-retries", "0"}, nil, "--max-retries"},
		{"zero keep-alive", []string{"--keep-alive", "0s"}, nil, "--keep-alive"},
		{"zero shutdown timeout", []string{"--shutdown-timeout", "0s"}, nil, "--shutdown-timeout"},
		{"negative persisted queries", []string{"--persisted-queries=-1"}, nil, "--persisted-queries"},
		{"empty address", []string{"--addr", ""}, nil, "--addr"},
		{"address without a port", []string{"--addr", "nonsense"}, nil, "--addr"},
		{"address with an empty port", []string{"--addr", "127.0.0.1:"}, nil, "--addr"},
		{"address with a port beyond 65535", []string{"--addr", ":70000"}, nil, "--addr"},
		{"empty data directory", []string{"--data", ""}, nil, "--data"},
		{"unknown flag", []string{"--nope"}, nil, "nope"},
		{"a stray argument", []string{"serve"}, nil, `"serve"`},
		{"not a boolean by variable", nil, map[string]string{"EVENTGRAPH_PLAYGROUND": "maybe"}, "EVENTGRAPH_PLAYGROUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.args, env(tt.env))
			if err == nil {
				t.Fatalf("ParseConfig(%q, %v): nil error, want one", tt.args, tt.env)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.wantText) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s", msg, tt.wantText)
			}
		})
	}
}

func TestParseConfig_help(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		if _, err := ParseConfig([]string{arg}, env(nil)); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("ParseConfig(%s): %v, want flag.ErrHelp", arg, err)
		}
	}
}

func TestUsage_listsEveryFlagWithItsVariable(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	c := DefaultConfig()
	newFlagSet(&c).VisitAll(func(f *flag.Flag) {
		for _, want := range []string{"--" + f.Name, EnvName(f.Name)} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("usage lacks %s", want)
			}
		}
	})
}

func TestRun_invalidFlagsExitWithStatus2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"bad flag", []string{"--store", "nope"}, nil},
		{"bad variable", nil, map[string]string{"EVENTGRAPH_LOG_FORMAT": "yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(t.Context(), func() {}, tt.args, env(tt.env), &stderr)
			if code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if out := strings.TrimSuffix(stderr.String(), "\n"); out == "" || strings.Contains(out, "\n") {
				t.Errorf("stderr %q: want one line", stderr.String())
			}
		})
	}
}

func TestRun_helpExitsWithStatus0(t *testing.T) {
	var stderr strings.Builder
	if code := run(t.Context(), func() {}, []string{"--help"}, env(nil), &stderr); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "EVENTGRAPH_ADDR") {
		t.Errorf("help output lacks EVENTGRAPH_ADDR:\n%s", stderr.String())
	}
}
