package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("eventsourcing: handle: %w", err) }
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"validation", wrap(&decider.ValidationError{Field: "name", Reason: "must not be blank"}), CodeBadUserInput},
		{"not found", wrap(&decider.NotFoundError{Entity: "restaurant", ID: "r"}), CodeNotFound},
		{"already exists", wrap(&decider.AlreadyExistsError{Entity: "order", ID: "o"}), CodeAlreadyExists},
		{"menu items", wrap(&restaurant.MenuItemsNotAvailableError{RestaurantID: "r", Missing: []string{"x"}}), CodeMenuItemsNotAvailable},
		{"prepared", wrap(order.ErrAlreadyPrepared), CodeOrderAlreadyPrepared},
		{"conflict", wrap(&store.ConflictError{Stream: "s", Expected: 1, Actual: 2}), CodeVersionConflict},
		{"reused", wrap(eventsourcing.ErrCommandIDReused), CodeCommandIDReused},
		{"timeout", wrap(eventsourcing.ErrConsistencyTimeout), CodeConsistencyTimeout},
		{"draining for shutdown", wrap(eventsourcing.ErrDraining), CodeConsistencyTimeout},
		{"anything else", errors.New("disk on fire at /var/lib/x"), CodeInternal},
		{"a closed store", wrap(store.ErrClosed), CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is "+tt.code, func(t *testing.T) {
			code, msg, _ := classify(tt.err)
			if code != tt.code {
				t.Fatalf("code %s, want %s", code, tt.code)
			}
			if strings.Contains(msg, "eventsourcing:") || strings.Contains(msg, "/var/lib") {
				t.Fatalf("message %q leaks internals", msg)
			}
		})
	}
}

func TestPresenter_RecoverHidesThePanic(t *testing.T) {
	var logs bytes.Buffer
	p := presenter{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	err := p.recover(context.Background(), "secret detail")
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), internalMessage) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
}
