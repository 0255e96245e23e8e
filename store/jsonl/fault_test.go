package jsonl_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// faultyFile wraps the log file and fails the operations it is told to fail.
type faultyFile struct {
	jsonl.File
	mu           sync.Mutex
	failWrite    bool // write half the bytes, then fail
	failSync     bool
	failTruncate bool
}

func (f *faultyFile) set(write, sync, truncate bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failWrite, f.failSync, f.failTruncate = write, sync, truncate
}

func (f *faultyFile) WriteAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	fail := f.failWrite
	f.mu.Unlock()
	if fail {
		n, _ := f.File.WriteAt(p[:len(p)/2], off)
		return n, syscall.ENOSPC
	}
	return f.File.WriteAt(p, off)
}

func (f *faultyFile) Sync() error {
	f.mu.Lock()
	fail := f.failSync
	f.mu.Unlock()
	if fail {
		return syscall.EIO
	}
	return f.File.Sync()
}

func (f *faultyFile) Truncate(size int64) error {
	f.mu.Lock()
	fail := f.failTruncate
	f.mu.Unlock()
	if fail {
		return syscall.EIO
	}
	return f.File.Truncate(size)
}

func TestStore_Append_faults(t *testing.T) {
	tests := []struct {
		name                  string
		opts                  []jsonl.Option
		write, sync, truncate bool
		want                  error // what the failed append's error wraps
		laterWork             bool  // appends after the fault (once cleared) succeed
	}{
		{name: "a failed write is cut back and later appends work", write: true, want: syscall.ENOSPC, laterWork: true},
		{name: "a failed write without sync is cut back and later appends work", opts: []jsonl.Option{jsonl.WithNoSync()},
			write: true, want: syscall.ENOSPC, laterWork: true},
		{name: "a failed sync fails later appends", sync: true, want: syscall.EIO},
		{name: "a failed write whose cut fails too fails later appends", write: true, truncate: true, want: syscall.ENOSPC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var ff *faultyFile
			s, err := jsonl.Open(dir, append(tt.opts, jsonl.WithFile(func(f jsonl.File) jsonl.File {
				ff = &faultyFile{File: f}
				return ff
			}))...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			mustAppend(t, s, "a", store.NoStream, ev("T", 1), ev("T", 2))
			acked := readAll(t, s)

			ff.set(tt.write, tt.sync, tt.truncate)
			_, err = s.Append(ctx, "a", 2, ev("T", 3), ev("T", 4))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Append during the fault: %v, want an error wrapping %v", err, tt.want)
			}
			if h, _ := s.Head(ctx); h != 2 {
				t.Errorf("Head after the failed append = %d, want 2", h)
			}
			if got := readAll(t, s); !reflect.DeepEqual(got, acked) {
				t.Errorf("reads after the failed append: %d events, want the %d acknowledged", len(got), len(acked))
			}
			ff.set(false, false, false)
			a, err := s.Append(ctx, "a", 2, ev("T", 5))
			if tt.laterWork {
				if err != nil || a != (store.Appended{Version: 3, Position: 3}) {
					t.Fatalf("Append after the fault = %+v, %v; want version 3 position 3", a, err)
				}
				if err := s.Failed(); err != nil {
					t.Errorf("Failed() after a fault it recovered from: %v", err)
				}
				acked = readAll(t, s)
			} else {
				if !errors.Is(err, jsonl.ErrFailed) {
					t.Fatalf("Append after the fault: %v, want ErrFailed", err)
				}
				if err := s.Failed(); !errors.Is(err, jsonl.ErrFailed) || !errors.Is(err, tt.want) {
					t.Errorf("Failed() = %v, want ErrFailed naming the cause (%v)", err, tt.want)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			rep, err := jsonl.Verify(dir)
			if err != nil {
				t.Fatalf("Verify after the fault: %v", err)
			}
			s2 := openStore(t, dir)
			if got := readAll(t, s2); !reflect.DeepEqual(got, acked) {
				t.Fatalf("after reopening: %d events, want exactly the %d acknowledged (report %+v)", len(got), len(acked), rep)
			}
			mustAppend(t, s2, "a", store.Version(len(acked)), ev("T", 6))
		})
	}
}
