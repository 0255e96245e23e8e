package readmodel

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/eventgraph/eventgraph/decider"
)

// Page limits: List takes 1 to MaxFirst nodes.
const MaxFirst = 100

// ErrBadCursor means a List call was given a cursor this read model did not issue for
// that list. It wraps decider.ErrInvalid, so it maps to BAD_USER_INPUT.
var ErrBadCursor = fmt.Errorf("bad cursor: %w", decider.ErrInvalid)

// Page is one page of a list in creation order.
type Page[T any] struct {
	Nodes       []T
	HasNextPage bool   // more nodes follow the last one
	EndCursor   string // pass as after to get the next page; empty when Nodes is empty
	TotalCount  int    // how many nodes the whole list (with its filter) has
}

// checkFirst rejects a page size outside 1..MaxFirst.
func checkFirst(first int) error {
	if first < 1 || first > MaxFirst {
		return &decider.ValidationError{Field: "first", Reason: fmt.Sprintf("must be 1 to %d, is %d", MaxFirst, first)}
	}
	return nil
}

// A cursor names a node by its kind, its place in creation order and its id, so that a
// cursor survives restarts (the log replays to the same order) and a made-up or altered
// cursor is detected: the node at that place must have that id.
const cursorVersion = "c1"

func encodeCursor(kind string, seq int, id string) string {
	raw := cursorVersion + "|" + kind + "|" + strconv.Itoa(seq) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// checkCursor fails with ErrBadCursor when after is neither empty nor of the form of a
// cursor of the given kind.
func checkCursor(kind, after string) error {
	if after == "" {
		return nil
	}
	_, _, err := decodeCursor(kind, after)
	return err
}

// decodeCursor returns the place and id a cursor of the given kind names. It checks the
// form only; the caller checks that the node at seq has the id.
func decodeCursor(kind, cursor string) (seq int, id string, err error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != cursor {
		return 0, "", ErrBadCursor // not base64, or not spelled as we spell it (e.g. with a newline)
	}
	parts := strings.SplitN(string(raw), "|", 4)
	if len(parts) != 4 || parts[0] != cursorVersion || parts[1] != kind || parts[3] == "" {
		return 0, "", ErrBadCursor
	}
	seq, err = strconv.Atoi(parts[2])
	if err != nil || seq < 0 || strconv.Itoa(seq) != parts[2] {
		return 0, "", ErrBadCursor
	}
	return seq, parts[3], nil
}
