package model_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/model"
)

func TestUnmarshalInt64(t *testing.T) {
	tests := []struct {
		in      any
		want    int64
		wantErr bool
	}{
		{in: int64(9007199254740993), want: 9007199254740993},
		{in: 42, want: 42},
		{in: json.Number("9223372036854775807"), want: 9223372036854775807},
		{in: "12", want: 12},
		{in: "-12", want: -12},
		{in: "+5", wantErr: true},
		{in: float64(3), wantErr: true}, // a Float literal: 3.0 or 3e0
		{in: float64(3.5), wantErr: true},
		{in: json.Number("1.5"), wantErr: true},
		{in: "twelve", wantErr: true},
		{in: true, wantErr: true},
		{in: nil, wantErr: true},
	}
	for _, tt := range tests {
		got, err := model.UnmarshalInt64(tt.in)
		if tt.wantErr {
			if !errors.Is(err, model.ErrInvalidScalar) {
				t.Errorf("UnmarshalInt64(%#v) = %d, %v; want ErrInvalidScalar", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("UnmarshalInt64(%#v) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestMarshalInt64_IsAJSONNumber(t *testing.T) {
	var b bytes.Buffer
	model.MarshalInt64(9007199254740993).MarshalGQL(&b)
	if b.String() != "9007199254740993" {
		t.Fatalf("got %s", b.String())
	}
}

func TestTime_RoundTripsAsRFC3339InUTC(t *testing.T) {
	in := time.Date(2026, 1, 2, 15, 4, 5, 123456789, time.FixedZone("CET", 3600))
	var b bytes.Buffer
	model.MarshalTime(in).MarshalGQL(&b)
	if b.String() != `"2026-01-02T14:04:05.123456789Z"` {
		t.Fatalf("got %s", b.String())
	}
	var s string
	if err := json.Unmarshal(b.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	got, err := model.UnmarshalTime(s)
	if err != nil || !got.Equal(in) {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []any{"yesterday", 12, nil} {
		if _, err := model.UnmarshalTime(bad); !errors.Is(err, model.ErrInvalidScalar) {
			t.Errorf("UnmarshalTime(%#v): %v, want ErrInvalidScalar", bad, err)
		}
	}
}

func TestJSON_IsWrittenAsIs(t *testing.T) {
	tests := []struct {
		in   model.JSON
		want string
	}{
		{model.JSON(`{"a":[1,"x"]}`), `{"a":[1,"x"]}`},
		{model.JSON(`"s"`), `"s"`},
		{nil, `null`},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		tt.in.MarshalGQL(&b)
		if b.String() != tt.want {
			t.Errorf("got %s, want %s", b.String(), tt.want)
		}
	}
	var j model.JSON
	if err := j.UnmarshalGQL(map[string]any{"k": []any{1, "v"}}); err != nil || string(j) != `{"k":[1,"v"]}` {
		t.Fatalf("UnmarshalGQL: %s, %v", j, err)
	}
}
