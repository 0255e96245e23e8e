package model_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/model"
)

func TestEnums_UnmarshalGQL(t *testing.T) {
	tests := []struct {
		in      any
		want    model.Cuisine
		wantErr string // in the error's text; "" for no error
	}{
		{in: "ITALIAN", want: model.CuisineItalian},
		{in: "FRENCH", want: model.CuisineFrench},
		{in: "italian", wantErr: `not "italian"`},
		{in: "ITALIAN ", wantErr: `not "ITALIAN "`},
		{in: "", wantErr: `not ""`},
		{in: 5, wantErr: "not int"},
		{in: nil, wantErr: "not <nil>"},
	}
	for _, tt := range tests {
		var c model.Cuisine
		err := c.UnmarshalGQL(tt.in)
		if tt.wantErr == "" {
			if err != nil || c != tt.want {
				t.Errorf("UnmarshalGQL(%#v) = %q, %v; want %q", tt.in, c, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, model.ErrInvalidScalar) || !strings.Contains(err.Error(), tt.wantErr) ||
			!strings.Contains(err.Error(), "GENERAL, SERBIAN, ITALIAN, MEXICAN, CHINESE, INDIAN, FRENCH") {
			t.Errorf("UnmarshalGQL(%#v) error = %v; want ErrInvalidScalar naming %s and the values", tt.in, err, tt.wantErr)
		}
	}

	var s model.OrderStatus
	if err := s.UnmarshalGQL("PREPARED"); err != nil || s != model.OrderStatusPrepared {
		t.Errorf("OrderStatus PREPARED: %q, %v", s, err)
	}
	if err := s.UnmarshalGQL("prepared"); !errors.Is(err, model.ErrInvalidScalar) || !strings.Contains(err.Error(), "CREATED, PREPARED") {
		t.Errorf("OrderStatus prepared: %v", err)
	}
}

func TestEnums_MarshalGQL(t *testing.T) {
	var b bytes.Buffer
	model.CuisineSerbian.MarshalGQL(&b)
	model.OrderStatusCreated.MarshalGQL(&b)
	if got := b.String(); got != `"SERBIAN""CREATED"` {
		t.Fatalf("got %s", got)
	}
}
