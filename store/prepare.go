package store

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"
)

// DefaultMaxEventSize is the default limit on one event's size: its stream id, type, event id
// (when the caller gives one), data and metadata's keys and values, in bytes.
const DefaultMaxEventSize = 1 << 20

// CheckVersion returns a *ConflictError when a stream at version actual does not satisfy
// the expected version, and nil when it does. Stores call it under their write lock.
func CheckVersion(stream string, expected, actual Version) error {
	ok := false
	switch {
	case expected == Any:
		ok = true
	case expected == StreamExists:
		ok = actual > 0
	case expected >= 0:
		ok = actual == expected
	}
	if ok {
		return nil
	}
	return &ConflictError{Stream: stream, Expected: expected, Actual: actual}
}

// Prepare validates an append's arguments and returns copies of the events ready to store:
// ids generated where empty, Data compacted (as json.Compact does) and Metadata copied, so
// the caller may reuse its slices. maxSize limits each event's size as DefaultMaxEventSize
// counts it (every string of the event, compacted Data, Metadata's keys and values); 0 means
// DefaultMaxEventSize, and Data may nest at most MaxDataDepth levels deep. The stream id,
// the types, the ids given, the data and the metadata's keys and values must be valid UTF-8:
// a log of JSON lines cannot hold other strings unchanged, nor can JSON carry them to a
// client, so no store takes them. Every failure wraps ErrInvalid.
func Prepare(stream string, expected Version, events []EventData, maxSize int) ([]EventData, error) {
	return PrepareWith(nil, stream, expected, events, maxSize)
}

// PrepareWith is Prepare with the ids it generates drawn from ids (see IDs), which is much
// cheaper per event than crypto/rand; a nil ids draws them from crypto/rand as Prepare does.
func PrepareWith(ids *IDs, stream string, expected Version, events []EventData, maxSize int) ([]EventData, error) {
	return prepare(nil, ids, stream, expected, events, maxSize, false)
}

// PrepareShared is PrepareWith for stores that encode the prepared events before Append
// returns and keep nothing of them, or that take the events handed over (see
// HandoverAppender): the result may share Data (when it is already compact) and Metadata
// with events instead of copying them.
func PrepareShared(ids *IDs, stream string, expected Version, events []EventData, maxSize int) ([]EventData, error) {
	return prepare(nil, ids, stream, expected, events, maxSize, true)
}

// AppendPrepared is PrepareShared appending the prepared events to dst and returning the
// extended slice, so that a store can prepare into memory it owns (an array on its stack)
// instead of allocating. On failure it returns dst unchanged.
func AppendPrepared(dst []EventData, ids *IDs, stream string, expected Version, events []EventData, maxSize int) ([]EventData, error) {
	return prepare(dst, ids, stream, expected, events, maxSize, true)
}

func prepare(dst []EventData, ids *IDs, stream string, expected Version, events []EventData, maxSize int, share bool) ([]EventData, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxEventSize
	}
	if stream == "" {
		return dst, fmt.Errorf("%w: empty stream id", ErrInvalid)
	}
	if expected < StreamExists {
		return dst, fmt.Errorf("%w: expected version %d", ErrInvalid, expected)
	}
	if len(events) == 0 {
		return dst, fmt.Errorf("%w: no events to append to %q", ErrInvalid, stream)
	}
	if !utf8.ValidString(stream) {
		return dst, fmt.Errorf("%w: stream id %q is not valid UTF-8", ErrInvalid, stream)
	}
	out := slices.Grow(dst, len(events))
	for i, e := range events {
		if e.Type == "" {
			return dst, fmt.Errorf("%w: event %d of %q has an empty type", ErrInvalid, i, stream)
		}
		if what := invalidString(e); what != "" {
			return dst, fmt.Errorf("%w: event %d of %q: %s is not valid UTF-8", ErrInvalid, i, stream, what)
		}
		data := e.Data
		if len(data) == 0 {
			return dst, fmt.Errorf("%w: event %d (%s) of %q has no data", ErrInvalid, i, e.Type, stream)
		}
		compact, err := compactJSON(data, share)
		if err != nil {
			return dst, fmt.Errorf("%w: event %d (%s) of %q: data is not valid JSON: %v", ErrInvalid, i, e.Type, stream, err)
		}
		if !utf8.Valid(compact) { // encoding/json's Valid takes such bytes in strings
			return dst, fmt.Errorf("%w: event %d (%s) of %q: data is not valid UTF-8", ErrInvalid, i, e.Type, stream)
		}
		if deeperThan(compact, MaxDataDepth) {
			return dst, fmt.Errorf("%w: event %d (%s) of %q: data nests deeper than %d levels", ErrInvalid, i, e.Type, stream, MaxDataDepth)
		}
		size := len(stream) + len(e.Type) + len(e.ID) + len(compact)
		for k, v := range e.Metadata {
			size += len(k) + len(v)
		}
		if size > maxSize {
			return dst, fmt.Errorf("%w: event %d (%s) of %q is %d bytes, over the limit of %d", ErrInvalid, i, e.Type, stream, size, maxSize)
		}
		id := e.ID
		if id == "" {
			if ids != nil {
				id = ids.New()
			} else {
				id = uuid.NewString()
			}
		}
		meta := e.Metadata
		if !share {
			meta = maps.Clone(meta)
		}
		out = append(out, EventData{ID: id, Type: e.Type, Data: compact, Metadata: meta})
	}
	return out, nil
}

// invalidString names the string of e, if any, that is not valid UTF-8.
func invalidString(e EventData) string {
	switch {
	case !utf8.ValidString(e.Type):
		return "type"
	case !utf8.ValidString(e.ID):
		return "event id"
	}
	for k, v := range e.Metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return "metadata"
		}
	}
	return ""
}
