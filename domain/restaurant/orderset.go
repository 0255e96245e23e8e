package restaurant

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// OrderSet is the set of the ids of the orders placed at a restaurant. The zero value is
// an empty set.
//
// Besides the set it keeps its text: every id followed by a space, in the order added. A
// snapshot (eventsourcing.WithSnapshots) writes that text as one JSON string. A restaurant
// can hold a hundred thousand orders, and a snapshot is encoded under the stream's lock:
// written from a map[string]struct{}, as a JSON object, the set took 37 ms to encode (every
// key sorted, quoted and escaped) and 41 ms to decode; encoding from the map's keys, spread
// over the heap, was still 8 ms, most of it waiting for memory. Copying the text is one
// pass (BenchmarkState_JSON). The text doubles the memory the ids take.
//
// A set is a view of a log of ids that the sets Add made it from share: the set holds the
// log's first Len ids. Add appends to the log when the set holds all of it, in amortised
// constant time, and otherwise (the set was added to before, as a state is that a fold
// branches from) copies the set's part of the log first; so an earlier set never sees the
// ids added to a later one, and Evolve leaves the state it is given as it was. A set is not
// safe for use by one goroutine while another adds to a set made from it.
type OrderSet struct {
	log  *orderLog
	n    int // the ids of log the set holds: the first n
	size int // the bytes of log's text they take
	// unwritable is set by an id the text cannot hold (empty, or with a space): never one
	// that ValidateID passes, but the log may hold events no decider checked.
	unwritable bool
}

// orderLog is the ids added to a set and the sets made from it, in the order added.
type orderLog struct {
	index map[string]int // each id's place in the log
	text  []byte         // each id followed by a space
}

// Has reports whether id is in the set.
func (s OrderSet) Has(id string) bool {
	if s.log == nil {
		return false
	}
	i, ok := s.log.index[id]
	return ok && i < s.n
}

// Len returns the number of ids in the set.
func (s OrderSet) Len() int { return s.n }

// Add adds id to the set. The sets s was copied from before are left as they were.
func (s *OrderSet) Add(id string) {
	if s.Has(id) {
		return
	}
	if s.log == nil || len(s.log.index) != s.n {
		s.log = s.log.prefix(s.n, s.size) // s was added to before: the log holds ids s does not
	}
	s.log.index[id] = s.n
	s.log.text = append(append(s.log.text, id...), ' ')
	s.n, s.size = s.n+1, len(s.log.text)
	s.unwritable = s.unwritable || id == "" || strings.IndexByte(id, ' ') >= 0
}

// prefix returns a new log of l's first n ids, which take size bytes of its text (l may be
// nil when n is 0).
func (l *orderLog) prefix(n, size int) *orderLog {
	p := &orderLog{index: make(map[string]int, n)}
	if n == 0 {
		return p
	}
	p.text = bytes.Clone(l.text[:size])
	for id, i := range l.index {
		if i < n {
			p.index[id] = i
		}
	}
	return p
}

// text returns the set's ids, each followed by a space, in the order added.
func (s OrderSet) text() []byte {
	if s.log == nil {
		return nil
	}
	return s.log.text[:s.size]
}

// errUnwritable is MarshalText's error for a set holding an id its text cannot hold.
var errUnwritable = errors.New("restaurant: an order id is empty or holds a space; the order set cannot be written as text")

// writable reports why the set's text cannot be written, if it cannot.
func (s OrderSet) writable() error {
	if s.unwritable {
		return errUnwritable
	}
	return nil
}

// AppendText appends the ids, each followed by a space, in the order they were added
// (encoding.TextAppender).
func (s OrderSet) AppendText(b []byte) ([]byte, error) {
	if err := s.writable(); err != nil {
		return b, err
	}
	return append(b, s.text()...), nil
}

// MarshalText returns AppendText's text (encoding.TextMarshaler).
func (s OrderSet) MarshalText() ([]byte, error) {
	return s.AppendText(make([]byte, 0, len(s.text())))
}

// UnmarshalText reads what MarshalText writes (encoding.TextUnmarshaler).
func (s *OrderSet) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*s = OrderSet{}
		return nil
	}
	if text[len(text)-1] != ' ' {
		return fmt.Errorf("restaurant: order ids %.32q…: want each id followed by a space", text)
	}
	// The keys are cut from one string rather than allocated one by one.
	all := string(text)
	n := strings.Count(all, " ")
	l := &orderLog{index: make(map[string]int, n), text: bytes.Clone(text)}
	for rest, k := all, 0; rest != ""; k++ {
		i := strings.IndexByte(rest, ' ')
		if i == 0 {
			return errors.New("restaurant: order ids: an empty id")
		}
		l.index[rest[:i]] = k
		rest = rest[i+1:]
	}
	if len(l.index) != n {
		return fmt.Errorf("restaurant: order ids: %d of %d are repeated", n-len(l.index), n)
	}
	*s = OrderSet{log: l, n: n, size: len(text)}
	return nil
}
