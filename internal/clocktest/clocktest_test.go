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

func TestStepped(t *testing.T) {
	now := time.Now()
	for _, d := range []time.Duration{-time.Hour, time.Hour, -time.Nanosecond, 0, 48 * time.Hour} {
		got := clocktest.Stepped(now, d)
		if want := now.Round(0).Add(d); !got.Round(0).Equal(want) || got.UnixNano() != want.UnixNano() {
			t.Errorf("Stepped(now, %v) reads %v on the wall clock, want %v", d, got.Round(0), want)
		}
		if got.Sub(now) != 0 || !got.Equal(now) {
			t.Errorf("Stepped(now, %v) is %v from now by the monotonic clock, want 0", d, got.Sub(now))
		}
		if later := clocktest.Stepped(now.Add(time.Second), d); later.Sub(got) != time.Second {
			t.Errorf("Stepped(now+1s, %v) - Stepped(now, %v) = %v, want 1s", d, d, later.Sub(got))
		}
	}
	t.Run("a time without a monotonic reading panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("Stepped(now.Round(0), 1h) did not panic")
			}
		}()
		clocktest.Stepped(now.Round(0), time.Hour)
	})
}
