package eventsourcing

import (
	"encoding/json"
	"fmt"

	"github.com/eventgraph/eventgraph/decider"
)

// EitherCodec returns the codec of decider.Either[A, B] events: those of a decider made by
// decider.CombineEither, or those a saga reacting to two aggregates' events reads (see
// decider.MapSaga). A Left event is a's to encode and decode, a Right event b's, so each
// aggregate's events keep their names in the log.
//
// Names must be unique across a log's codecs, which neither codec can check alone: a name
// that both handle fails Encode and Decode, saying so, rather than going to either.
//
// It panics when a or b is nil, a wiring mistake (as NewSaga and NewHandler panic on theirs).
func EitherCodec[A, B any](a Codec[A], b Codec[B]) Codec[decider.Either[A, B]] {
	if a == nil || b == nil {
		panic("eventsourcing: EitherCodec: a nil codec")
	}
	return eitherCodec[A, B]{a: a, b: b}
}

type eitherCodec[A, B any] struct {
	a Codec[A]
	b Codec[B]
}

func (c eitherCodec[A, B]) Encode(e decider.Either[A, B]) (string, json.RawMessage, error) {
	var (
		typ   string
		data  json.RawMessage
		err   error
		other func(string) bool
	)
	if l, ok := e.Left(); ok {
		typ, data, err = c.a.Encode(l)
		other = c.b.Handles
	} else {
		r, _ := e.Right()
		typ, data, err = c.b.Encode(r)
		other = c.a.Handles
	}
	if err != nil {
		return "", nil, err
	}
	if other(typ) {
		return "", nil, bothHandle(typ)
	}
	return typ, data, nil
}

func (c eitherCodec[A, B]) Decode(typ string, data json.RawMessage) (decider.Either[A, B], error) {
	inA, inB := c.a.Handles(typ), c.b.Handles(typ)
	switch {
	case inA && inB:
		return decider.Either[A, B]{}, bothHandle(typ)
	case inA:
		l, err := c.a.Decode(typ, data)
		if err != nil {
			return decider.Either[A, B]{}, err
		}
		return decider.Left[A, B](l), nil
	case inB:
		r, err := c.b.Decode(typ, data)
		if err != nil {
			return decider.Either[A, B]{}, err
		}
		return decider.Right[A](r), nil
	}
	return decider.Either[A, B]{}, fmt.Errorf("eventsourcing: EitherCodec: unknown event type %q", typ)
}

func (c eitherCodec[A, B]) Handles(typ string) bool { return c.a.Handles(typ) || c.b.Handles(typ) }

// bothHandle is the error of a name that both of an EitherCodec's codecs handle.
func bothHandle(typ string) error {
	return fmt.Errorf("eventsourcing: EitherCodec: both codecs handle event type %q (names must be unique across a log's codecs)", typ)
}

// MapCodec returns the codec of events E that are c's events E1, as decider.MapEvent maps a
// decider's events: Encode narrows an E to c's (one that narrow refuses is an error, so the
// Handler writes nothing), and Decode widens what c decodes. It panics when c, narrow or
// widen is nil, a wiring mistake.
func MapCodec[E, E1 any](c Codec[E1], narrow func(E) (E1, bool), widen func(E1) E) Codec[E] {
	switch {
	case c == nil:
		panic("eventsourcing: MapCodec: a nil codec")
	case narrow == nil || widen == nil:
		panic("eventsourcing: MapCodec: a nil narrow or widen")
	}
	return mapCodec[E, E1]{c: c, narrow: narrow, widen: widen}
}

type mapCodec[E, E1 any] struct {
	c      Codec[E1]
	narrow func(E) (E1, bool)
	widen  func(E1) E
}

func (m mapCodec[E, E1]) Encode(e E) (string, json.RawMessage, error) {
	e1, ok := m.narrow(e)
	if !ok {
		return "", nil, fmt.Errorf("eventsourcing: MapCodec: %T is not an event of the mapped codec", e)
	}
	return m.c.Encode(e1)
}

func (m mapCodec[E, E1]) Decode(typ string, data json.RawMessage) (E, error) {
	e1, err := m.c.Decode(typ, data)
	if err != nil {
		var zero E
		return zero, err
	}
	return m.widen(e1), nil
}

func (m mapCodec[E, E1]) Handles(typ string) bool { return m.c.Handles(typ) }
