package postgres

import (
	"testing"
	"time"
)

// Options of zero or less select the defaults, as their documentation says: a page size of
// 0 would read pages of no event (LIMIT 0) for ever, a poll interval of 0 would re-read the
// log without pause, and a retry window of 0 would fail a subscription at its first failed
// read.
func TestBuildOptions_defaultsForZeroAndLess(t *testing.T) {
	for _, n := range []int{0, -1} {
		o := buildOptions([]Option{WithPollInterval(time.Duration(n)), WithPageSize(n), WithPageBytes(n),
			WithTailSize(n), WithTailBytes(n), WithRetryWindow(time.Duration(n)), WithMaxEventSize(n), WithClock(nil)})
		for _, c := range []struct {
			name      string
			got, want int64
		}{
			{"poll interval", int64(o.poll), int64(DefaultPollInterval)},
			{"page size", int64(o.page), 256},
			{"page bytes", int64(o.pageBytes), DefaultPageBytes},
			{"tail size", int64(o.tail), 1024},
			{"tail bytes", int64(o.tailBytes), DefaultTailBytes},
			{"retry window", int64(o.retry), int64(DefaultRetryWindow)},
		} {
			if c.got != c.want {
				t.Errorf("%s of %d: %d, want %d", c.name, n, c.got, c.want)
			}
		}
		if o.now == nil {
			t.Errorf("WithClock(nil) left no clock")
		}
	}
}
