package storetest_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// recorder is a testing.TB that records failures instead of reporting them, so the suite's
// checks can be run against stores that must fail them. FailNow ends the calling goroutine
// with runtime.Goexit, as testing.T does; run checks through runRecorded.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failed   bool
	messages []string
}

func (r *recorder) record(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.messages = append(r.messages, msg)
}

func (r *recorder) Helper() {}

func (r *recorder) Fail() { r.record("Fail called") }

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *recorder) FailNow() {
	r.record("FailNow called")
	runtime.Goexit()
}

func (r *recorder) Error(args ...any) { r.record(fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatal(args ...any) {
	r.record(fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) Log(args ...any) {}

func (r *recorder) Logf(format string, args ...any) {}

func (r *recorder) Skip(args ...any) {
	r.record("Skip called: " + fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.record("Skip called: " + fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) SkipNow() {
	r.record("SkipNow called")
	runtime.Goexit()
}

// runRecorded runs fn with a recorder on its own goroutine, so that FailNow ends only that
// goroutine, and returns the failures it recorded.
func runRecorded(tb testing.TB, fn func(testing.TB)) (failed bool, messages []string) {
	tb.Helper()
	r := &recorder{TB: tb}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed, r.messages
}

func TestRecorder(t *testing.T) {
	tests := []struct {
		name       string
		fn         func(testing.TB)
		wantFailed bool
		wantMsgs   int
	}{
		{"passing function", func(tb testing.TB) { tb.Helper(); tb.Log("fine") }, false, 0},
		{"Errorf records and continues", func(tb testing.TB) { tb.Errorf("one %d", 1); tb.Error("two") }, true, 2},
		{"Fatalf stops the function", func(tb testing.TB) { tb.Fatalf("stop"); tb.Error("not reached") }, true, 1},
		{"FailNow stops the function", func(tb testing.TB) { tb.FailNow(); tb.Error("not reached") }, true, 1},
		{"Skip counts as a failure", func(tb testing.TB) { tb.Skip("no"); tb.Error("not reached") }, true, 1},
		{"Fail marks without stopping", func(tb testing.TB) { tb.Fail(); tb.Error("reached") }, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, msgs := runRecorded(t, tt.fn)
			if failed != tt.wantFailed || len(msgs) != tt.wantMsgs {
				t.Errorf("failed = %v with %d messages %q, want %v with %d", failed, len(msgs), msgs, tt.wantFailed, tt.wantMsgs)
			}
		})
	}
}
