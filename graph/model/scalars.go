package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes t as an RFC 3339 string in UTC with nanoseconds when it has them.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime parses an RFC 3339 string.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &ScalarError{"Time", fmt.Sprintf("must be an RFC 3339 string, not %T", v)}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &ScalarError{"Time", fmt.Sprintf("must be an RFC 3339 string, not %q", s)}
	}
	return t, nil
}

// MarshalInt64 writes i as a JSON number.
func MarshalInt64(i int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.FormatInt(i, 10))
	})
}

// UnmarshalInt64 accepts an integer literal or variable (a JSON number without a fraction),
// or a string of decimal digits, maybe after a minus sign, for clients that cannot send
// 64-bit numbers. A float64 comes only from a Float literal (variables are decoded with
// UseNumber, as json.Number), which has a fraction or an exponent: 1.0 and 1e2 are refused
// as a variable's 1.0 and 1e2 are (they were taken as literals).
func UnmarshalInt64(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case json.Number:
		return parseInt64(string(v), v)
	case string:
		if strings.HasPrefix(v, "+") { // strconv takes it; a JSON number has none
			return 0, int64Error(v)
		}
		return parseInt64(v, v)
	}
	return 0, int64Error(v)
}

// parseInt64 reads a JSON number, or a string of digits, as an Int64. v is what the client
// sent, for the error.
func parseInt64(s string, v any) (int64, error) {
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, int64Error(v)
	}
	return i, nil
}

// int64Error is the refusal of v, in the words of JSON, not of Go.
func int64Error(v any) error {
	what := describe(v)
	switch v := v.(type) {
	case string:
		what = "the string " + strconv.Quote(v)
	case float64:
		// Only a Float literal gives a float64 (see UnmarshalInt64): one with a fraction or an
		// exponent, however whole its value ("not the number 1" read as a contradiction). Its
		// text is gone (1.0 and 1e0 are both 1): the validation rule that refuses the literal
		// quotes it.
		what = "a number written with a fraction or an exponent"
	}
	return &ScalarError{"Int64", "must be a 64-bit integer written without a fraction or an exponent, not " + what}
}

// JSON is any JSON value, kept as its encoding and sent to clients as JSON itself.
type JSON json.RawMessage

// MarshalGQL writes the value's JSON as is (null when empty).
func (j JSON) MarshalGQL(w io.Writer) {
	if len(j) == 0 {
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(j)
}

// UnmarshalGQL encodes an input value (from a literal or a variable) as JSON.
func (j *JSON) UnmarshalGQL(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return &ScalarError{"JSON", "value cannot be encoded as JSON"}
	}
	*j = JSON(bytes.Clone(b))
	return nil
}

// ErrInvalidScalar means an input value is not valid for its custom scalar type.
// A *ScalarError unwraps to it.
var ErrInvalidScalar = errors.New("invalid scalar value")

// ScalarError says why an input value is not valid for a custom scalar.
type ScalarError struct {
	Scalar string // "Time", "Int64", "JSON", or an enum: "Cuisine", "OrderStatus"
	Reason string
}

func (e *ScalarError) Error() string { return "invalid " + e.Scalar + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalidScalar) true.
func (e *ScalarError) Unwrap() error { return ErrInvalidScalar }
