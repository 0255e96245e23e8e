package model_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/eventgraph/eventgraph/graph/model"
)

func TestUnmarshalBuiltins(t *testing.T) {
	type result struct {
		v  any
		ok bool
	}
	tests := []struct {
		name string
		read func(any) (any, error)
		in   any
		want result
	}{
		// String: a string only ("String cannot represent a non string value").
		{"String from a string", str, "9.50", result{"9.50", true}},
		{"String from a number variable", str, json.Number("1.10"), result{}},
		{"String from an integer literal", str, int64(5), result{}},
		{"String from a boolean", str, true, result{}},
		// Int: a whole number of 32 bits.
		{"Int from a literal", integer, int64(7), result{7, true}},
		{"Int from a variable", integer, json.Number("7"), result{7, true}},
		{"Int from a whole number with a fraction part", integer, json.Number("1.0"), result{1, true}},
		{"Int from an exponent", integer, json.Number("2e3"), result{2000, true}},
		{"Int from the smallest", integer, json.Number("-2147483648"), result{math.MinInt32, true}},
		{"Int from the largest", integer, int64(math.MaxInt32), result{math.MaxInt32, true}},
		{"Int from 2^31", integer, json.Number("2147483648"), result{}},
		{"Int from a literal of 2^31", integer, int64(math.MaxInt32 + 1), result{}},
		{"Int from 2^63", integer, json.Number("9223372036854775808"), result{}},
		{"Int from 1.5", integer, json.Number("1.5"), result{}},
		{"Int from a float literal", integer, 1.5, result{}},
		{"Int from a string of digits", integer, "1", result{}},
		{"Int from a boolean", integer, false, result{}},
		// ID: a string or a whole number.
		{"ID from a string", id, "r1", result{"r1", true}},
		{"ID from an integer variable", id, json.Number("42"), result{"42", true}},
		{"ID from an integer literal", id, int64(42), result{"42", true}},
		{"ID from 1.5", id, json.Number("1.5"), result{}},
		{"ID from a boolean", id, true, result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read(tt.in)
			if !tt.want.ok {
				if !errors.Is(err, model.ErrInvalidScalar) {
					t.Fatalf("got %v, %v; want an invalid scalar", got, err)
				}
				return
			}
			if err != nil || got != tt.want.v {
				t.Fatalf("got %v (%T), %v; want %v", got, got, err, tt.want.v)
			}
		})
	}
}

func str(v any) (any, error)     { return model.UnmarshalString(v) }
func integer(v any) (any, error) { return model.UnmarshalInt(v) }
func id(v any) (any, error)      { return model.UnmarshalID(v) }
