package eventsourcing

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

type (
	lossInner   struct{ N int }
	lossHidden  struct{ n int }
	lossOwnJSON struct{ n int }
	lossTree    struct {
		Name     string
		Children []*lossTree // recursive: walked once
	}
)

// lossPtrJSON encodes itself by methods with pointer receivers: encoding/json calls them
// only where it can take the value's address.
type lossPtrJSON struct{ n int }

func (v *lossPtrJSON) MarshalJSON() ([]byte, error) { return json.Marshal(v.n) }
func (v *lossPtrJSON) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &v.n) }

func (v lossOwnJSON) MarshalJSON() ([]byte, error)  { return json.Marshal(v.n) }
func (v *lossOwnJSON) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &v.n) }

// lossEnum is a string that validates itself as it is read, and is written as the plain
// string: it round-trips, with one method.
type lossEnum string

func (e *lossEnum) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = lossEnum(s)
	return nil
}

// lossComputed writes a computed field beside its own, which reading field by field ignores.
type lossComputed struct{ W, H int }

func (c lossComputed) MarshalJSON() ([]byte, error) {
	type plain lossComputed
	return json.Marshal(struct {
		plain
		Area int
	}{plain(c), c.W * c.H})
}

// lossWriteOnly writes itself by a method, and has none to read itself back: encoding/json
// reads it field by field, and its field is unexported.
type lossWriteOnly struct{ n int }

func (v lossWriteOnly) MarshalJSON() ([]byte, error) { return json.Marshal(v.n) }

func TestJSONLoss(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string // in the reason; "" for none
	}{
		{"exported fields", reflect.TypeFor[struct {
			A int
			B map[string][]string
			C *lossInner
			D time.Time
		}](), ""},
		{"an embedded unexported struct's exported fields", reflect.TypeFor[struct{ lossInner }](), ""},
		{"a type with its own JSON methods", reflect.TypeFor[struct{ V lossOwnJSON }](), ""},
		{"a recursive type", reflect.TypeFor[lossTree](), ""},
		// One method, one direction, and a round trip all the same: refused by the check of
		// the thirty-eighth session's first version.
		{"a string that validates itself as it is read", reflect.TypeFor[struct{ E lossEnum }](), ""},
		{"a MarshalJSON that adds a computed field", reflect.TypeFor[struct{ C lossComputed }](), ""},
		// Its own methods in one direction only are not its word for both: its fields are
		// still checked.
		{"a MarshalJSON alone over an unexported field", reflect.TypeFor[struct{ V lossWriteOnly }](), "state.V.n is unexported"},
		// A tag does not stop Go promoting time.Time's methods: only the time was written.
		{"an embedded time.Time with a json tag beside other fields", reflect.TypeFor[struct {
			time.Time `json:"at"`
			Note      string
		}](), "embeds time.Time"},
		{"a json:\"-,\" tag names a field \"-\"", reflect.TypeFor[struct {
			A int `json:"-,"`
		}](), ""},
		{"an unexported field", reflect.TypeFor[struct {
			A     int
			limit int
		}](), "state.limit is unexported"},
		{"a field tagged json:\"-\"", reflect.TypeFor[struct {
			A int `json:"-"`
		}](), `state.A is tagged json:"-"`},
		{"an unexported field deep inside", reflect.TypeFor[struct{ M map[string][]*lossHidden }](), "state.M[key][].n is unexported"},
		{"an embedded struct's unexported field", reflect.TypeFor[struct{ lossHidden }](), "state.lossHidden.n is unexported"},
		{"a function", reflect.TypeFor[struct{ F func() }](), "state.F is a func"},
		{"pointer-receiver JSON methods on the state", reflect.TypeFor[lossPtrJSON](), ""},
		{"pointer-receiver JSON methods in a field and a slice", reflect.TypeFor[struct {
			V lossPtrJSON
			L []lossPtrJSON
		}](), ""},
		{"pointer-receiver JSON methods in a map", reflect.TypeFor[struct{ M map[string]lossPtrJSON }](), "state.M[key] (eventsourcing.lossPtrJSON) has its JSON or text methods on its pointer"},
		{"an embedded time.Time beside other fields", reflect.TypeFor[struct {
			time.Time
			Balance int
		}](), "embeds time.Time"},
		{"an interface", reflect.TypeFor[struct{ Last any }](), "state.Last is an interface"},
		{"two fields with one JSON name", reflect.StructOf([]reflect.StructField{ // go vet refuses it written out
			{Name: "A", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
			{Name: "B", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
		}), `JSON name "x"`},
		{"an embedded struct's field shadowed by the outer one", reflect.TypeFor[struct {
			N int
			lossInner
		}](), `state.lossInner.N has the JSON name "N", as state.N does`},
		{"a tagged field wins over an untagged one at its depth", reflect.TypeFor[struct {
			A int `json:"B"`
			B int
		}](), `state.B has the JSON name "B", as state.A does`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jsonLoss(tt.typ)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("jsonLoss = %q, want one holding %q", got, tt.want)
			}
		})
	}
}
