package graph

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestConfig_withDefaults_StreamWriteTimeout checks that the zero Config bounds WebSocket
// writes, as every protection is on by default, and that only a negative value turns the
// bound off.
func TestConfig_withDefaults_StreamWriteTimeout(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil)) // so that no service is needed
	tests := []struct {
		name string
		set  time.Duration
		want time.Duration
	}{
		{"left at zero: the default", 0, DefaultStreamWriteTimeout},
		{"set", 3 * time.Second, 3 * time.Second},
		{"negative: no limit", -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Config{Logger: logger, StreamWriteTimeout: tt.set}.withDefaults(nil).StreamWriteTimeout
			if got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
