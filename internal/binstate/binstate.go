// Package binstate writes and reads the small binary format of the read models' states
// (see eventsourcing.StatefulProjection): unsigned and signed varints, length-prefixed
// strings and times, one after the other, with no field names. A reader must read the
// fields in the order they were written; a state's revision names that order.
package binstate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxString bounds a string read back: a longer length is damage, not a string.
const MaxString = 1 << 24

// ErrDamaged is the error of bytes that are not a state as written (a length out of
// bounds); a state cut short fails with io.ErrUnexpectedEOF.
var ErrDamaged = errors.New("binstate: damaged state")

// Writer writes a state's fields to a buffered writer. The first error sticks: later writes
// do nothing, and Flush returns it.
type Writer struct {
	w   *bufio.Writer
	err error
	buf [binary.MaxVarintLen64]byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 64<<10)} }

// Uint writes v as an unsigned varint.
func (w *Writer) Uint(v uint64) {
	if w.err == nil {
		_, w.err = w.w.Write(binary.AppendUvarint(w.buf[:0], v))
	}
}

// Int writes v as a signed varint.
func (w *Writer) Int(v int64) {
	if w.err == nil {
		_, w.err = w.w.Write(binary.AppendVarint(w.buf[:0], v))
	}
}

// String writes s's length, then its bytes.
func (w *Writer) String(s string) {
	w.Uint(uint64(len(s)))
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// Time writes t's Unix seconds and nanoseconds; it is read back in UTC.
func (w *Writer) Time(t time.Time) {
	w.Int(t.Unix())
	w.Uint(uint64(t.Nanosecond()))
}

// Flush writes what is buffered and returns the first error of any write.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Reader reads a state's fields. The first error sticks: later reads return zero values,
// and Err returns it.
type Reader struct {
	r   *bufio.Reader
	src io.Reader
	err error
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10), src: r} }

// Prealloc returns how many of n items, each of at least one byte, to make room for at
// once: n when the bytes left (known when the reader has a Len method, as a bytes.Reader
// has) hold them, else fewer, so that a damaged count does not allocate much before the
// reads fail.
func (r *Reader) Prealloc(n int) int {
	if l, ok := r.src.(interface{ Len() int }); ok {
		return max(min(n, l.Len()+r.r.Buffered()), 0)
	}
	return max(min(n, 1<<16), 0)
}

// Uint reads an unsigned varint.
func (r *Reader) Uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r.r)
	r.fail(err)
	return v
}

// Int reads a signed varint.
func (r *Reader) Int() int64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(r.r)
	r.fail(err)
	return v
}

// Count reads a number of items that follow, failing with ErrDamaged beyond max.
func (r *Reader) Count(max int) int {
	n := r.Uint()
	if max < 0 || n > uint64(max) {
		r.fail(fmt.Errorf("%w: a count of %d, over %d", ErrDamaged, n, max))
		return 0
	}
	return int(n)
}

// String reads a string Writer.String wrote.
func (r *Reader) String() string {
	n := r.Count(MaxString)
	if r.err != nil || n == 0 {
		return ""
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r.r, b)
	r.fail(err)
	return string(b)
}

// Time reads a time Writer.Time wrote, in UTC.
func (r *Reader) Time() time.Time {
	sec, nsec := r.Int(), r.Uint()
	if r.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		r.fail(fmt.Errorf("%w: %d nanoseconds", ErrDamaged, nsec))
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// End fails unless every byte was read: a state longer than its fields is damaged.
func (r *Reader) End() {
	if r.err != nil {
		return
	}
	if _, err := r.r.ReadByte(); err == nil {
		r.fail(fmt.Errorf("%w: bytes after its end", ErrDamaged))
	} else if !errors.Is(err, io.EOF) {
		r.fail(err)
	}
}

// Err returns the first error of a read: io.ErrUnexpectedEOF for a state cut short.
func (r *Reader) Err() error { return r.err }

func (r *Reader) fail(err error) {
	if err == nil || r.err != nil {
		return
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	r.err = err
}
