package readmodel

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
)

// Page limits: a page holds 1 to MaxFirst nodes.
const MaxFirst = 100

// ErrBadCursor means a List or Paginate call was given a cursor this read model did not
// issue for that list. It wraps decider.ErrInvalid, so it maps to BAD_USER_INPUT. The
// error returned is a *CursorError, which names the argument.
var ErrBadCursor = fmt.Errorf("bad cursor: %w", decider.ErrInvalid)

// CursorError is ErrBadCursor for one argument of Paging: "after" or "before".
type CursorError struct {
	Field string
}

func (e *CursorError) Error() string {
	return "bad cursor in " + e.Field + ": " + decider.ErrInvalid.Error()
}

// Unwrap returns ErrBadCursor.
func (e *CursorError) Unwrap() error { return ErrBadCursor }

// badCursor returns the error of a bad cursor in field.
func badCursor(field string) error { return &CursorError{Field: field} }

// Paging selects a page of a list, as a Relay connection's arguments do: of the nodes after
// the one After names (from the list's start when empty) and before the one Before names
// (to its end when empty), the First, or the Last. Exactly one of First and Last is set.
type Paging struct {
	After, Before string
	First, Last   int
}

// check rejects a page size outside 1..MaxFirst, and both or neither of First and Last.
func (p Paging) check() error {
	switch {
	case p.First != 0 && p.Last != 0:
		return &decider.ValidationError{Field: "last", Reason: "must not be given with first"}
	case p.Last != 0:
		return checkSize("last", p.Last)
	}
	return checkSize("first", p.First)
}

// Page is one page of a list in creation order.
type Page[T any] struct {
	Nodes []T
	// HasNextPage: with First, the nodes selected (before Before) go on past the page; with
	// Last, the list holds nodes after the page (after its last node, or, for an empty page,
	// at or after Before's node).
	HasNextPage bool
	// HasPreviousPage: with Last, the nodes selected (after After) go on before the page;
	// with First, the list holds nodes before the page (before its first node, or, for an
	// empty page, at or before After's node).
	HasPreviousPage bool
	StartCursor     string // the first node's cursor: pass it as Before; empty when Nodes is empty
	EndCursor       string // the last node's cursor: pass it as After; empty when Nodes is empty
	TotalCount      int    // how many nodes the whole list (with its filter) has
	// Position is the log position of the latest event of the read model's kind (an order
	// event for orders) that the page reflects: it reflects every such event up to it and
	// none after it, so a client that follows the list's changes after it (a subscription
	// with afterPosition) misses none and gets none twice. 0 when the read model has none.
	Position store.Position

	kind string
	refs []cursorRef // of each node, in Nodes' order
}

// Cursor returns the cursor of the node Nodes[i], the one a page after it is read with: a
// Relay edge's cursor. Cursor(0) is StartCursor and Cursor(len(Nodes)-1) is EndCursor. It
// is encoded when asked for, outside the read model's lock.
func (p *Page[T]) Cursor(i int) string {
	r := p.refs[i]
	return encodeCursor(p.kind, r.seq, r.created, r.id)
}

// cursorRef is what a node's cursor is made of.
type cursorRef struct {
	seq     int
	created store.Position
	id      string
}

// setCursors sets the page's start and end cursors once its refs are set.
func (p *Page[T]) setCursors() {
	if n := len(p.refs); n > 0 {
		p.StartCursor, p.EndCursor = p.Cursor(0), p.Cursor(n-1)
	}
}

// checkSize rejects a page size outside 1..MaxFirst.
func checkSize(field string, n int) error {
	if n < 1 || n > MaxFirst {
		return &decider.ValidationError{Field: field, Reason: fmt.Sprintf("must be 1 to %d, is %d", MaxFirst, n)}
	}
	return nil
}

// A cursor names a node by its kind, its place in creation order, the log position of the
// event that created it and its id, so that a cursor survives restarts (the log replays to
// the same order) and a made-up or altered cursor is detected: the node at that place must
// have that id and have been created at that position. The position also tells a server
// whose read model has not got that far yet (replaying its log after a restart, or a replica
// behind another) what to wait for: CursorPosition. Cursors of the first form ("c1", without
// the position) are still read.
const (
	cursorVersion   = "c2"
	cursorVersionV1 = "c1"
)

func encodeCursor(kind string, seq int, created store.Position, id string) string {
	raw := cursorVersion + "|" + kind + "|" + strconv.Itoa(seq) + "|" + strconv.FormatInt(int64(created), 10) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// checkCursor fails with ErrBadCursor when after is neither empty nor of the form of a
// cursor of the given kind; else it returns the position the cursor's node was created at
// (0 for an empty cursor, or one of the first form).
func checkCursor(kind, after string) (store.Position, error) {
	if after == "" {
		return 0, nil
	}
	c, err := decodeCursor(kind, after)
	return c.created, err
}

// cursor is what a cursor names.
type cursor struct {
	seq     int            // the node's place in creation order
	created store.Position // the position of the event that created it; 0 when not given
	id      string
}

// matches reports whether the node at c.seq, which has id and was created at created, is
// the one c names.
func (c cursor) matches(id string, created store.Position) bool {
	return c.id == id && (c.created == 0 || c.created == created)
}

// decodeCursor returns what a cursor of the given kind names. It checks the form only; the
// caller checks that the node at seq is the one named.
func decodeCursor(kind, s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != s {
		return cursor{}, ErrBadCursor // not base64, or not spelled as we spell it (e.g. with a newline)
	}
	var c cursor
	switch parts := strings.SplitN(string(raw), "|", 5); {
	case len(parts) == 5 && parts[0] == cursorVersion && parts[1] == kind:
		p, ok := number(parts[3])
		if !ok || p == 0 {
			return cursor{}, ErrBadCursor
		}
		c.created, c.id = store.Position(p), parts[4]
		c.seq, ok = number32(parts[2])
		if !ok {
			return cursor{}, ErrBadCursor
		}
	case len(parts) >= 4 && parts[0] == cursorVersionV1 && parts[1] == kind:
		parts = strings.SplitN(string(raw), "|", 4)
		var ok bool
		c.id = parts[3]
		if c.seq, ok = number32(parts[2]); !ok {
			return cursor{}, ErrBadCursor
		}
	default:
		return cursor{}, ErrBadCursor
	}
	if c.id == "" {
		return cursor{}, ErrBadCursor
	}
	return c, nil
}

// number reads a non-negative decimal spelt as strconv spells it (no sign, no leading zero).
func number(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && strconv.FormatInt(n, 10) == s
}

// number32 is number within an int.
func number32(s string) (int, bool) {
	n, ok := number(s)
	return int(n), ok && n <= math.MaxInt32
}
