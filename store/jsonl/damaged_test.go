package jsonl_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestStore_readOfALineDamagedAfterOpen: Open checked every line, but the file may change
// under a running store (a disk's fault, a hand's edit). A read that meets a line that no
// longer checks out fails with a *CorruptError naming the line's byte offset (its line number
// is not known then: 0), rather than yield what the line now says.
func TestStore_readOfALineDamagedAfterOpen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync(), jsonl.WithTailCache(0))
	for i := range 3 {
		mustAppend(t, s, "s", store.Version(i), ev("T", i))
	}
	log, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	second := int64(bytes.IndexByte(log, '\n') + 1)
	at := second + int64(bytes.Index(log[second:], []byte(`"orderId":"o-1"`))) + int64(len(`"orderId":"o-`))
	f, err := os.OpenFile(filepath.Join(dir, jsonl.LogFile), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("9"), at); err != nil { // o-1 becomes o-9, its crc unchanged
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	reads := map[string]func(yield func(store.Event, error) bool){
		"ReadStream": s.ReadStream(t.Context(), "s", 0),
		"ReadAll":    s.ReadAll(t.Context(), 0),
	}
	for name, seq := range reads {
		t.Run(name, func(t *testing.T) {
			var got []store.Version
			var ce *jsonl.CorruptError
			for e, err := range seq {
				if err != nil {
					if !errors.Is(err, jsonl.ErrCorrupt) || !errors.As(err, &ce) || ce.Offset != second || ce.Line != 0 {
						t.Fatalf("error %v (%#v), want a *CorruptError at byte offset %d, line 0", err, ce, second)
					}
					break
				}
				got = append(got, e.Version)
			}
			if ce == nil || len(got) != 1 {
				t.Fatalf("yielded versions %v and no *CorruptError, want version 1 then the error", got)
			}
		})
	}
}
