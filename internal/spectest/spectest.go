// Package spectest holds what the tests of the given-when-then specs share: a testing.TB
// that records a spec's failures (so that a test can check that a wrong spec fails, and
// what it says) and one that prints them (for examples of a failure report).
package spectest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Recorder is a testing.TB that records failures instead of failing the test. Its
// Cleanup functions run when Record's f returns; a Recorder made otherwise keeps them.
type Recorder struct {
	testing.TB
	mu       sync.Mutex
	logs     []string
	failed   bool
	cleanups []func() // run when Record's f returns, last first, as a test's are
}

func (r *Recorder) Helper() {}

func (r *Recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *Recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.failed = true
}

func (r *Recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *Recorder) Fail() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
}

func (r *Recorder) FailNow() {
	r.Fail()
	runtime.Goexit()
}

func (r *Recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Record runs f with a Recorder in its own goroutine (so FailNow can end it) and returns
// what f reported.
func Record(t *testing.T, f func(tb testing.TB)) (failed bool, log string) {
	t.Helper()
	r := &Recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(r.cleanups) - 1; i >= 0; i-- {
				r.cleanups[i]()
			}
		}()
		f(r)
	}()
	<-done
	return r.Failed(), r.Failures()
}

// Expect runs spec with a Recorder (see Record) and fails t unless the spec failed as
// wantFail says, with every string of wantLog in what it reported.
func Expect(t *testing.T, spec func(tb testing.TB), wantFail bool, wantLog ...string) {
	t.Helper()
	failed, log := Record(t, spec)
	if failed != wantFail {
		t.Fatalf("failed = %v, want %v; log:\n%s", failed, wantFail, log)
	}
	for _, s := range wantLog {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %q; log:\n%s", s, log)
		}
	}
}

// Failures returns the failures recorded, one a line.
func (r *Recorder) Failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// Printer is a testing.TB that prints failures, to show in an example what a failing spec
// reports.
type Printer struct{ testing.TB }

func (Printer) Helper()                           {}
func (Printer) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// Cleanup drops f: an example has no end to run it at (and checks every outcome).
func (Printer) Cleanup(func()) {}
