package graphtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Response is a GraphQL response: data and errors (with their extensions).
type Response struct {
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
	// StatusCode is the HTTP status of a POST or GET response (0 for subscription messages).
	StatusCode int `json:"-"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Locations  []Location     `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Location is where in the query text an error was found.
type Location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Code returns the error's extensions.code, or "" when it has none.
func (e Error) Code() string {
	s, _ := e.Extensions["code"].(string)
	return s
}

func (e Error) Error() string {
	if c := e.Code(); c != "" {
		return fmt.Sprintf("%s (%s)", e.Message, c)
	}
	return e.Message
}

// Code returns the first error's code, or "" when the response has no error.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// Err returns nil when the response has no error, and an error listing them otherwise.
func (r *Response) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	msgs := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		msgs[i] = e.Error()
	}
	return errors.New("graphql: " + strings.Join(msgs, "; "))
}

// Decode unmarshals the response's data into v. It fails when the response has errors.
func (r *Response) Decode(v any) error {
	if err := r.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("graphtest: decode data: %w", err)
	}
	return nil
}
