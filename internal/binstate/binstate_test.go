package binstate_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/binstate"
)

func TestWriter_roundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 16, 0, 0, 123456789, time.UTC)
	var b bytes.Buffer
	w := binstate.NewWriter(&b)
	w.Uint(300)
	w.Int(-5)
	w.String("")
	w.String("héllo")
	w.Time(at)
	w.Time(time.Time{})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := binstate.NewReader(bytes.NewReader(b.Bytes()))
	if u, i, s0, s1, t0, t1 := r.Uint(), r.Int(), r.String(), r.String(), r.Time(), r.Time(); u != 300 || i != -5 || s0 != "" || s1 != "héllo" || t0 != at || t1 != (time.Time{}) {
		t.Errorf("read back %d %d %q %q %v %v", u, i, s0, s1, t0, t1)
	}
	r.End()
	if err := r.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}

	short := binstate.NewReader(bytes.NewReader(b.Bytes()[:b.Len()-1]))
	short.Uint()
	short.Int()
	_ = short.String()
	_ = short.String()
	short.Time()
	short.Time()
	if err := short.Err(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a state cut short: Err = %v, want io.ErrUnexpectedEOF", err)
	}
	long := binstate.NewReader(bytes.NewReader(append(bytes.Clone(b.Bytes()), 1)))
	long.Uint()
	long.Int()
	_ = long.String()
	_ = long.String()
	long.Time()
	long.Time()
	long.End()
	if err := long.Err(); !errors.Is(err, binstate.ErrDamaged) {
		t.Errorf("a state with a byte after it: Err = %v, want ErrDamaged", err)
	}
	if n := binstate.NewReader(bytes.NewReader([]byte{0x05})); n.Count(4) != 0 || !errors.Is(n.Err(), binstate.ErrDamaged) {
		t.Errorf("a count over its bound: Err = %v, want ErrDamaged", n.Err())
	}
}
