package model

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// The built-in scalars String, Int and ID, read as GraphQL's input coercion asks. The
// endpoint decodes a request's variables with their numbers kept as written (json.Number),
// which gqlparser's variable validation takes for a string, and gqlgen's own readers turn a
// number into a String and a string into an Int; so a price sent as 1.10 was stored as
// "1.10" and an expectedVersion sent as "1" was taken for 1. Here a String is a string, an
// Int an integer of 32 bits, an ID a string or an integer (see UnmarshalInt, UnmarshalID).

// MarshalString writes a String.
func MarshalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalString accepts a string, and nothing else.
func UnmarshalString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", &ScalarError{"String", "must be a string, not " + describe(v)}
}

// MarshalInt writes an Int.
func MarshalInt(i int) graphql.Marshaler { return graphql.MarshalInt(i) }

// UnmarshalInt accepts a whole number that fits in 32 bits, signed (1.0 is 1), and nothing
// else: not a string of digits, not 1.5, not 2^31.
func UnmarshalInt(v any) (int, error) {
	var f float64
	switch v := v.(type) {
	case int:
		f = float64(v)
	case int32:
		f = float64(v)
	case int64:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return 0, intError(v)
		}
		return int(v), nil
	case float64:
		f = v
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return UnmarshalInt(i)
		}
		var err error
		if f, err = strconv.ParseFloat(string(v), 64); err != nil {
			return 0, intError(v)
		}
	default:
		return 0, &ScalarError{"Int", "must be a whole number, not " + describe(v)}
	}
	if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, intError(v)
	}
	return int(f), nil
}

func intError(v any) error {
	return &ScalarError{"Int", fmt.Sprintf("must be a whole number from %d to %d, not %v", math.MinInt32, math.MaxInt32, v)}
}

// MarshalID writes an ID, as a string.
func MarshalID(s string) graphql.Marshaler { return graphql.MarshalID(s) }

// UnmarshalID accepts a string or a whole number (written as its decimal digits), and
// nothing else.
func UnmarshalID(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return string(v), nil
		}
	}
	return "", &ScalarError{"ID", "must be a string or an integer written without a fraction or an exponent, not " + describe(v)}
}

// describe names what a client sent in place of a scalar: a number as written, else its
// JSON type.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "the number " + string(v)
	case int, int32, int64, float64:
		return fmt.Sprintf("the number %v", v)
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	switch reflect.ValueOf(v).Kind() { // as a variable's value coerced by gqlparser may be
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
