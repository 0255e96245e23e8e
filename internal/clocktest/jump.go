package clocktest

import (
	"fmt"
	"time"
	"unsafe"
)

// Stepped returns t, which must hold a monotonic clock reading (as time.Now's does), as
// time.Now would have read it had the system clock been stepped by d (NTP, a virtual
// machine's resume, an administrator) before: its wall clock moved by d, its monotonic
// reading kept. Code that measures or compares times by the monotonic clock (Sub, Since,
// Until, Before and After of two such times) sees no jump; code that kept a time's wall
// clock alone (UnixNano, Round(0), JSON, a database) sees d.
func Stepped(t time.Time, d time.Duration) time.Time {
	r := (*rawTime)(unsafe.Pointer(&t))
	if r.wall&hasMonotonic == 0 {
		panic(fmt.Sprintf("clocktest: Stepped(%v): the time holds no monotonic reading", t))
	}
	w := t.Round(0).Add(d)
	sec := w.Unix() + unixToInternal - wallToInternal
	if sec < 0 || sec >= 1<<33 {
		panic(fmt.Sprintf("clocktest: Stepped(%v, %v): %v is outside the years 1885 to 2157, which a time with a monotonic reading holds", t, d, w))
	}
	r.wall = hasMonotonic | uint64(sec)<<nsecShift | uint64(w.Nanosecond())
	return t
}

// rawTime is the layout of a time.Time (see the time package's Time type).
type rawTime struct {
	wall uint64
	ext  int64
	loc  *time.Location
}

// The time package's encoding of a time.Time with a monotonic reading.
const (
	hasMonotonic   = 1 << 63
	nsecShift      = 30
	secondsPerDay  = 86400
	unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * secondsPerDay
	wallToInternal = (1884*365 + 1884/4 - 1884/100 + 1884/400) * secondsPerDay
)
