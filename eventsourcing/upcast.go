package eventsourcing

import (
	"encoding/json"
	"errors"
	"fmt"
)

// An Upcaster reads events that an earlier release of a domain stored under a schema the
// domain no longer writes, and rewrites them into a newer one as they are read. The log is
// append-only: its facts are never rewritten in place, so a domain that changes an event's
// name or shape keeps reading the old events through upcasters (see Upcast).
type Upcaster struct {
	// From is the stored type name the upcaster reads, such as "AccountCreated".
	From string
	// Up returns the event's type name and body in the next schema. The result is upcast
	// again while an Upcaster reads its type, so V1 → V2 → V3 are three small steps. Up may
	// return From itself with a new body, to fix a shape under an unchanged name; it then sees
	// the bodies the domain writes today as well and must return those unchanged (the Codec
	// round-trip that Handler relies on), so test it with both.
	Up func(data json.RawMessage) (typ string, body json.RawMessage, err error)

	renamedTo string // set by RenameEvent, for Upcast's checks
}

// RenameEvent is an Upcaster for a type that was renamed and kept its body. Upcast checks
// it against the codec: the old name must be one the codec no longer decodes, and the new
// one one it decodes (or that another upcaster reads).
func RenameEvent(from, to string) Upcaster {
	return Upcaster{From: from, renamedTo: to, Up: func(data json.RawMessage) (string, json.RawMessage, error) {
		return to, data, nil
	}}
}

// UpcastError reports an event that could not be brought to the current schema: an
// Upcaster failed, returned no type name, or the upcasters lead in a circle.
type UpcastError struct {
	Type string // the type name the event is stored under
	Err  error
}

// Error describes the failure: the stored type name and the cause.
func (e *UpcastError) Error() string {
	return fmt.Sprintf("eventsourcing: upcast %q: %v", e.Type, e.Err)
}

// Unwrap returns the Upcaster's error.
func (e *UpcastError) Unwrap() error { return e.Err }

// errUpcastLoop is an UpcastError's Err when the upcasters lead back to a type they
// already rewrote.
var errUpcastLoop = errors.New("the upcasters lead in a circle")

// Upcast returns a Codec that encodes as codec does and decodes, besides what codec decodes,
// every event an Upcaster in ups reads: Decode applies the upcasters first, then codec's
// Decode, and Handles reports true for their From types too. Give the result to the Handler,
// the sagas and the projections alike, so that all of them read the old events the same way.
//
// Upcast fails for a nil codec, for an Upcaster without a From or an Up, for two with the
// same From, and for a RenameEvent from a name the codec still decodes (the events the domain
// writes under it today would come back renamed), to a name that neither the codec nor
// another upcaster reads (every old event would fail to decode), or whose renames lead back
// to a name they rename (RenameEvent("A", "B") with RenameEvent("B", "A")).
func Upcast[E any](codec Codec[E], ups ...Upcaster) (Codec[E], error) {
	if codec == nil {
		return nil, errors.New("eventsourcing: Upcast: nil codec")
	}
	u := upcasting[E]{codec: codec, ups: make(map[string]func(json.RawMessage) (string, json.RawMessage, error), len(ups))}
	for i, up := range ups {
		switch {
		case up.From == "":
			return nil, fmt.Errorf("eventsourcing: Upcast: upcaster %d has no From type", i)
		case up.Up == nil:
			return nil, fmt.Errorf("eventsourcing: Upcast: the upcaster from %q has no Up function", up.From)
		}
		if _, dup := u.ups[up.From]; dup {
			return nil, fmt.Errorf("eventsourcing: Upcast: two upcasters from %q", up.From)
		}
		u.ups[up.From] = up.Up
	}
	renames := make(map[string]string)
	for _, up := range ups {
		if up.renamedTo != "" {
			renames[up.From] = up.renamedTo
		}
	}
	for _, up := range ups {
		if up.renamedTo == "" {
			continue
		}
		// Renames that lead back to where they started leave every old event undecodable.
		for seen, at := map[string]bool{up.From: true}, up.renamedTo; ; {
			if seen[at] {
				return nil, fmt.Errorf("eventsourcing: Upcast: RenameEvent(%q, %q): the renames lead back to %q", up.From, up.renamedTo, at)
			}
			seen[at] = true
			next, ok := renames[at]
			if !ok {
				break
			}
			at = next
		}
		if codec.Handles(up.From) {
			return nil, fmt.Errorf("eventsourcing: Upcast: RenameEvent(%q, %q): the codec still decodes %q, so the events written under that name today would come back as %q", up.From, up.renamedTo, up.From, up.renamedTo)
		}
		if _, next := u.ups[up.renamedTo]; !next && !codec.Handles(up.renamedTo) {
			return nil, fmt.Errorf("eventsourcing: Upcast: RenameEvent(%q, %q): neither the codec nor an upcaster reads %q", up.From, up.renamedTo, up.renamedTo)
		}
	}
	return u, nil
}

// upcasting is the Codec Upcast returns.
type upcasting[E any] struct {
	codec Codec[E]
	ups   map[string]func(json.RawMessage) (string, json.RawMessage, error)
}

func (u upcasting[E]) Encode(e E) (string, json.RawMessage, error) { return u.codec.Encode(e) }

func (u upcasting[E]) Handles(typ string) bool {
	_, old := u.ups[typ]
	return old || u.codec.Handles(typ)
}

func (u upcasting[E]) Decode(typ string, data json.RawMessage) (E, error) {
	stored := typ
	// Each upcaster runs at most once for an event: more steps than upcasters means that
	// one of them was reached twice, which would never end.
	for steps := 0; ; steps++ {
		up, ok := u.ups[typ]
		if !ok {
			break
		}
		var zero E
		if steps == len(u.ups) {
			return zero, &UpcastError{Type: stored, Err: errUpcastLoop}
		}
		next, body, err := up(data)
		switch {
		case err != nil:
			return zero, &UpcastError{Type: stored, Err: err}
		case next == "":
			return zero, &UpcastError{Type: stored, Err: fmt.Errorf("the upcaster from %q returned no type name", typ)}
		}
		same := next == typ
		typ, data = next, body
		if same {
			break // a shape fixed under the same name: the name's current form
		}
	}
	return u.codec.Decode(typ, data)
}
