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

func (v lossOwnJSON) MarshalJSON() ([]byte, error) { return json.Marshal(v.n) }
func (v *lossOwnJSON) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &v.n) }

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
		{"an embedded struct's unexported field", reflect.TypeFor[struct{ lossHidden }](), "state.n is unexported"},
		{"a function", reflect.TypeFor[struct{ F func() }](), "state.F is a func"},
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
