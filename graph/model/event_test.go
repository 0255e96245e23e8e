package model_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/graph/model"
)

func TestEvent_Metadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta map[string]string
		want string
	}{
		{"none is an empty object", nil, `{}`},
		{"empty is an empty object", map[string]string{}, `{}`},
		{"keys sorted, values escaped", map[string]string{"z": `say "hi"`, "a": "<b>"}, `{"a":"\u003cb\u003e","z":"say \"hi\""}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &model.Event{Meta: tc.meta}
			if got := string(e.Metadata()); got != tc.want {
				t.Fatalf("Metadata() = %s, want %s", got, tc.want)
			}
		})
	}
}
