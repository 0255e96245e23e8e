package graph

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// eventIDCost is what an eventId field costs a query (see complexityRoot): the read of one
// event, unless a subscription's change brought it along.
const eventIDCost = 3

// eventIDAt resolves the eventId of a state or page that reflects the log up to position p:
// known when the value was made from that event (a subscription's change), else read from
// the log (see service.EventIDAt), so that a query pays for it only when it selects it.
func eventIDAt(ctx context.Context, svc *service.Service, p int64, known string) (string, error) {
	if known != "" {
		return known, nil
	}
	var id string
	var ok bool
	var err error
	if l := loaderFrom(ctx); l != nil {
		id, ok, err = l.get(ctx, store.Position(p)) // with the rest of its page (eventIDLoader)
	} else {
		id, ok, err = svc.EventIDAt(ctx, store.Position(p))
	}
	if err != nil {
		return "", err
	}
	if !ok {
		// The read models hold a position the log does not: it was replaced under the
		// running server, which then serves neither faithfully.
		return "", fmt.Errorf("graph: the read models reflect position %d, which the log holds no event at", p)
	}
	return id, nil
}

// pageEventID is a connection's eventId: null for a page that reflects no event (position 0).
func pageEventID(ctx context.Context, svc *service.Service, p int64) (*string, error) {
	if p == 0 {
		return nil, nil
	}
	id, err := eventIDAt(ctx, svc, p, "")
	if err != nil {
		return nil, err
	}
	return &id, nil
}
