package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/service"
)

// TestEvents_limitBelowOneReturnsNone checks that a limit below 1 returns no event: it
// returned the whole log, read and held in memory, to a caller passing an unchecked size.
func TestEvents_limitBelowOneReturnsNone(t *testing.T) {
	svc := newService(t)
	for i := range 5 {
		create(t, svc, fmt.Sprint("r", i), "a")
	}
	for _, limit := range []int{0, -1} {
		es, err := svc.Events(context.Background(), 0, service.EventFilter{}, limit)
		if err != nil || es == nil || len(es) != 0 {
			t.Errorf("Events(limit %d) = %d events, %v; want none", limit, len(es), err)
		}
	}
}
