package specfmt

import (
	"reflect"
	"time"
)

// times compares two time.Times as reflect.DeepEqual does (their wall clock, monotonic
// reading and location), saying why two that are the same instant differ.
func (d *differ) times(path string, hidden bool, a, b reflect.Value) {
	ra, rb := rawTimeOf(a), rawTimeOf(b)
	if ra == rb {
		return
	}
	ta, tb := ra.time(), rb.time()
	switch {
	case !ta.Equal(tb):
		d.add(path, hidden, "want %s, got %s", ta.Format(time.RFC3339Nano), tb.Format(time.RFC3339Nano))
	case ra.loc != rb.loc && locName(ra.loc) == locName(rb.loc):
		d.add(path, true, "the same instant %s in two *time.Location values both named %s (reflect.DeepEqual compares locations by pointer: make both UTC)",
			ta.UTC().Format(time.RFC3339Nano), locName(ra.loc))
	case ra.loc != rb.loc:
		d.add(path, true, "the same instant %s in other locations: want %s, got %s (reflect.DeepEqual compares locations: make both UTC)",
			ta.UTC().Format(time.RFC3339Nano), locName(ra.loc), locName(rb.loc))
	default:
		d.add(path, true, "the same instant %s, but one holds a monotonic clock reading (time.Now's), which reflect.DeepEqual compares: strip it with Round(0)",
			ta.UTC().Format(time.RFC3339Nano))
	}
}

// rawTime is what a time.Time holds, which reflect.DeepEqual compares.
type rawTime struct {
	wall uint64
	ext  int64
	loc  *time.Location
}

// rawTimeOf reads the time.Time v holds, also when v was reached through an unexported
// field (which reflect will not turn back into a time.Time).
func rawTimeOf(v reflect.Value) rawTime {
	return rawTime{wall: v.Field(0).Uint(), ext: v.Field(1).Int(), loc: (*time.Location)(v.Field(2).UnsafePointer())}
}

// The time package's encoding of a time.Time (see its Time type).
const (
	hasMonotonic   = 1 << 63
	nsecMask       = 1<<30 - 1
	nsecShift      = 30
	secondsPerDay  = 86400
	unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * secondsPerDay
	wallToInternal = (1884*365 + 1884/4 - 1884/100 + 1884/400) * secondsPerDay
)

// time returns the instant r holds, in its location, without its monotonic reading.
func (r rawTime) time() time.Time {
	sec := r.ext
	if r.wall&hasMonotonic != 0 {
		sec = wallToInternal + int64(r.wall<<1>>(nsecShift+1))
	}
	t := time.Unix(sec-unixToInternal, int64(r.wall&nsecMask))
	if r.loc == nil {
		return t.UTC()
	}
	return t.In(r.loc)
}

func locName(l *time.Location) string {
	if l == nil {
		return "UTC"
	}
	return l.String() // time.Local's is "Local"
}
