package eventsourcing

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unicode/utf8"
)

// JSONCodec is a Codec of events that encoding/json encodes, each Go type under one name in
// the log: the Codec most domains need, without a switch over the types in each direction.
// Make it with NewJSONCodec; it is safe for concurrent use.
type JSONCodec[E any] struct {
	names    map[reflect.Type]string
	decoders map[string]func(json.RawMessage) (E, error)
}

// JSONEventType names one event type of a JSONCodec; make it with JSONEvent.
type JSONEventType[E any] struct {
	name   string
	typ    reflect.Type
	decode func(json.RawMessage) (E, error)
}

// JSONEvent is the Go type T, an event of the domain's event type E, under name in the log.
// It panics when T is not an E (a wiring mistake, which Go's type parameters cannot rule out
// at compile time), when name is empty or not valid UTF-8 (a store refuses it as an event's
// type), and when encoding/json does not round-trip a T (an unexported field, a field tagged
// json:"-", an interface, a function...): the event would come back from the log without
// that part, and Evolve fold something else than Decide decided.
func JSONEvent[T, E any](name string) JSONEventType[E] {
	typ := reflect.TypeFor[T]()
	if !typ.AssignableTo(reflect.TypeFor[E]()) {
		panic(fmt.Sprintf("eventsourcing: JSONEvent %q: %v is not a %v", name, typ, reflect.TypeFor[E]()))
	}
	if name == "" {
		panic(fmt.Sprintf("eventsourcing: JSONEvent of %v: an empty name", typ))
	}
	if !utf8.ValidString(name) {
		panic(fmt.Sprintf("eventsourcing: JSONEvent of %v: the name %q is not valid UTF-8, which no store takes as an event type", typ, name))
	}
	// Encoded from an interface value: pointer-receiver methods of a value type are not called.
	if loss := lossIn(typ, "event", false, map[typeAt]bool{}); loss != "" {
		panic(fmt.Sprintf("eventsourcing: JSONEvent %q: encoding/json does not round-trip %v: %s", name, typ, loss))
	}
	return JSONEventType[E]{name: name, typ: typ, decode: func(data json.RawMessage) (E, error) {
		var t T
		if err := json.Unmarshal(data, &t); err != nil {
			var zero E
			return zero, err
		}
		return any(t).(E), nil
	}}
}

// NewJSONCodec returns the codec of the given event types. Decode returns an event of the
// Go type its name was given with (a value, or a pointer when that type is one), so that
// Evolve and React see what Decide returned. It panics when two types share a name or a
// type is given twice: the log could not tell them apart.
func NewJSONCodec[E any](types ...JSONEventType[E]) *JSONCodec[E] {
	c := &JSONCodec[E]{names: make(map[reflect.Type]string, len(types)), decoders: make(map[string]func(json.RawMessage) (E, error), len(types))}
	for _, t := range types {
		if t.decode == nil {
			panic("eventsourcing: NewJSONCodec: a JSONEventType not made by JSONEvent")
		}
		if other, ok := c.names[t.typ]; ok {
			panic(fmt.Sprintf("eventsourcing: NewJSONCodec: %v is named both %q and %q", t.typ, other, t.name))
		}
		if _, ok := c.decoders[t.name]; ok {
			panic(fmt.Sprintf("eventsourcing: NewJSONCodec: two types are named %q", t.name))
		}
		c.names[t.typ], c.decoders[t.name] = t.name, t.decode
	}
	return c
}

// Encode returns the name e's Go type was given and e's JSON. An event of a type not given to
// NewJSONCodec is an error: the Handler then writes nothing.
func (c *JSONCodec[E]) Encode(e E) (string, json.RawMessage, error) {
	name, ok := c.names[reflect.TypeOf(e)]
	if !ok {
		return "", nil, fmt.Errorf("eventsourcing: JSONCodec: no name for events of type %T (give it to NewJSONCodec)", e)
	}
	if v := reflect.ValueOf(e); v.Kind() == reflect.Pointer && v.IsNil() {
		// Written as null, it would come back as a nil event: every fold of the stream after.
		return "", nil, fmt.Errorf("eventsourcing: JSONCodec: a nil %T event", e)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return "", nil, fmt.Errorf("eventsourcing: JSONCodec: encode %s: %w", name, err)
	}
	return name, data, nil
}

// Decode parses a body of the named type.
func (c *JSONCodec[E]) Decode(typ string, data json.RawMessage) (E, error) {
	decode, ok := c.decoders[typ]
	if !ok {
		var zero E
		return zero, fmt.Errorf("eventsourcing: JSONCodec: unknown event type %q", typ)
	}
	e, err := decode(data)
	if err != nil {
		return e, fmt.Errorf("eventsourcing: JSONCodec: decode %s: %w", typ, err)
	}
	return e, nil
}

// Handles reports whether typ is the name of one of the codec's types.
func (c *JSONCodec[E]) Handles(typ string) bool {
	_, ok := c.decoders[typ]
	return ok
}

var _ Codec[any] = (*JSONCodec[any])(nil)
