package jsonl

import (
	"sync/atomic"
	"time"
)

// timeCache formats append times, remembering the text of the last second it formatted:
// appends within one second differ only in the fraction, and formatting the date and the
// clock (time.Date and time.Clock) cost more than the rest of the time's text.
type timeCache struct {
	last atomic.Pointer[secondText]
}

// secondText is the text of a time up to the fraction, `2006-01-02T15:04:05.`, for the
// Unix second sec.
type secondText struct {
	sec  int64
	text [20]byte
}

// appendTime appends t in timeLayout, like appendTime. t's year must be within 0 and 9999
// (see validTime).
func (c *timeCache) appendTime(b []byte, t time.Time) []byte {
	sec := t.Unix()
	st := c.last.Load()
	if st == nil || st.sec != sec {
		var full [len(timeLayout)]byte
		st = &secondText{sec: sec}
		copy(st.text[:], appendTime(full[:0], t))
		c.last.Store(st)
	}
	b = append(b, st.text[:]...)
	b = appendDigits(b, t.Nanosecond(), 9)
	return append(b, 'Z')
}
