package restaurant

import (
	"encoding/json"
	"strconv"

	"github.com/eventgraph/eventgraph/domain/internal/jsonr"
	"github.com/eventgraph/eventgraph/domain/internal/jsonw"
)

// A State writes and reads its own JSON, for snapshots (eventsourcing.WithSnapshots, whose
// handler calls these methods directly): the JSON encoding/json writes for its fields (see
// OrderSet for the orders), in one pass over its order ids each way. encoding/json would
// check and compact what MarshalJSON returns, and check what UnmarshalJSON is given before
// it calls it: more passes over megabytes, for a restaurant of a hundred thousand orders.
// TestAppendJSON_likeMarshal, TestRead_likeUnmarshal and FuzzRead hold both to
// encoding/json's reflection over stateFields (StateFields in export_test.go).

// stateFields is State without its methods: encoding/json's encoding of its fields, the
// reference for MarshalJSON and UnmarshalJSON's fallback.
type stateFields State

// MarshalJSON writes the state as encoding/json writes its fields. It fails when the
// orders hold an id their text cannot (see OrderSet.AppendText).
func (s State) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256+len(s.Orders.text()))
	b = append(b, `{"Exists":`...)
	b = strconv.AppendBool(b, s.Exists)
	b = append(b, `,"ID":`...)
	b = jsonw.AppendString(b, s.ID)
	b = append(b, `,"Name":`...)
	b = jsonw.AppendString(b, s.Name)
	b = append(b, `,"Menu":`...)
	b = s.Menu.AppendJSON(b)
	b = append(b, `,"Orders":`...)
	b, err := s.Orders.appendJSON(b)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads what MarshalJSON writes, and any other JSON as encoding/json reads
// stateFields.
func (s *State) UnmarshalJSON(b []byte) error {
	r := jsonr.New(b)
	if st := readState(&r); r.Done() {
		*s = st
		return nil
	}
	return json.Unmarshal(b, (*stateFields)(s))
}

// readState reads a State as MarshalJSON writes it (see jsonr).
func readState(r *jsonr.Reader) State {
	var s State
	r.Lit(`{"Exists":`)
	s.Exists = r.Bool()
	r.Lit(`,"ID":`)
	s.ID = r.String()
	r.Lit(`,"Name":`)
	s.Name = r.String()
	r.Lit(`,"Menu":`)
	s.Menu = readMenu(r)
	r.Lit(`,"Orders":`)
	text := r.StringBytes()
	r.Lit(`}`)
	if s.Orders.UnmarshalText(text) != nil {
		r.Fail() // json.Unmarshal reports it
	}
	return s
}

// appendJSON appends the set's text as a JSON string, as encoding/json writes what
// MarshalText returns.
func (s OrderSet) appendJSON(b []byte) ([]byte, error) {
	if err := s.writable(); err != nil {
		return b, err
	}
	text := s.text()
	if !jsonw.Plain(text) {
		return jsonw.AppendString(b, string(text)), nil
	}
	b = append(b, '"')
	b = append(b, text...)
	return append(b, '"'), nil
}
