package specfmt

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// Goroutine returns the calling goroutine's id, as its stack trace names it ("goroutine 7
// [running]"), or 0 when the trace does not say.
func Goroutine() uint64 {
	var buf [64]byte
	s, ok := strings.CutPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	if !ok {
		return 0
	}
	id, _ := strconv.ParseUint(s[:max(strings.IndexByte(s, ' '), 0)], 10, 64)
	return id
}

// Elsewhere returns, for a failure reported to the test tb from a goroutine other than gid,
// the goroutine the spec was given tb in (by For or In), a line saying so; or "". Each test and subtest runs in a goroutine of its own, so a base spec carried
// on in a subtest without In reports there: the parent test fails, the subtest passes.
func Elsewhere(tb interface{ Name() string }, gid uint64) string {
	if gid == 0 || Goroutine() == gid {
		return ""
	}
	return fmt.Sprintf("reported to %s, the test this spec was made for, from another goroutine, as a subtest's: "+
		"a spec carried on in a subtest reports to the subtest through In(t)\n", tb.Name())
}
