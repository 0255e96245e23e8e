package store

import "context"

// EventIDReader is implemented by stores that tell the id of the event at a position for
// the price of that one event. A client that resumes after a position it read long ago
// checks with it that the log still holds the event it read there (the log may have been
// restored from a backup since); ReadAll from the position before would read a page of the
// log after it (the JSONL store's lines up to 256 KiB, PostgreSQL's page of events with
// their data) to take one id.
type EventIDReader interface {
	// EventIDAt returns the id of the event at position p, and false when the log holds
	// none there (p is 0 or less, or beyond the head).
	EventIDAt(ctx context.Context, p Position) (id string, ok bool, err error)
}

// EventIDsReader is implemented by stores that tell the ids of the events at many positions
// in one read, where one read per position would cost a round trip each (PostgreSQL): a page
// of a read model whose nodes each give the id of the event they reflect asks for them all
// at once. Stores that keep their log's ids in memory need not implement it.
type EventIDsReader interface {
	EventIDReader
	// EventIDsAt returns the ids of the events at the positions ps, keyed by position; a
	// position the log holds no event at (0 or less, beyond the head) has no key. ps may
	// repeat a position and be in any order; an empty ps reads nothing.
	EventIDsAt(ctx context.Context, ps []Position) (map[Position]string, error)
}
