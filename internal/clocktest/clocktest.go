// Package clocktest helps tests check durations a program measured with the monotonic
// clock, whose resolution differs between platforms, and what a program does when the
// system clock is stepped (Stepped).
package clocktest

import (
	"runtime"
	"time"
)

// Measured reports whether d can be a duration measured around some work: more than zero,
// or zero on Windows, whose monotonic clock advances by the timer's tick (0.5–15.6 ms), so
// that work shorter than one tick may take no time at all on it. A negative d never is.
func Measured(d time.Duration) bool {
	return d > 0 || d == 0 && runtime.GOOS == "windows"
}
