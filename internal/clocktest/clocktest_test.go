package clocktest_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/clocktest"
)

func TestMeasured(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want bool
	}{
		{time.Nanosecond, true},
		{time.Second, true},
		{-time.Nanosecond, false},
		{0, runtime.GOOS == "windows"},
	}
	for _, tt := range tests {
		if got := clocktest.Measured(tt.d); got != tt.want {
			t.Errorf("Measured(%v) = %v, want %v on %s", tt.d, got, tt.want, runtime.GOOS)
		}
	}
}
