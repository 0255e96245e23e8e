package eventsourcing_test

import (
	"context"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store/memory"
)

// A handler whose state cache holds a stream that the log no longer holds (an asynchronous
// failover lost the primary's last commits, a backup was restored: the store's
// StreamVersion goes back) decides on the log, not on the cache: a client retrying the
// creation whose first attempt was lost gets it created, not ALREADY_EXISTS.
func TestHandler_streamShorterThanItsCachedState(t *testing.T) {
	ctx := context.Background()
	s := newSnapStore(t)
	h := newAccounts(s)
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{CommandID: "open-a"})
	mustHandleAccount(t, h, deposit{ID: "a", Amount: 5}, eventsourcing.Meta{})

	lost := s.Store
	s.Store = memory.New() // the log as the new primary holds it: without the account's events
	t.Cleanup(func() { _ = lost.Close() })

	res, err := h.Handle(ctx, openAccount{ID: "a"}, eventsourcing.Meta{CommandID: "open-a"})
	if err != nil {
		t.Fatalf("opening the account again, whose events the log lost: %v; want it opened", err)
	}
	if res.Duplicate || res.Version != 1 || res.Position != 1 {
		t.Fatalf("Handle = %+v; want a new result at version 1, position 1", res)
	}
	// The stream's state is the log's: one deposit of 3 leaves a balance of 3, not 8.
	mustHandleAccount(t, h, deposit{ID: "a", Amount: 3}, eventsourcing.Meta{})
	res = mustHandleAccount(t, h, withdraw{ID: "a", Amount: 4}, eventsourcing.Meta{})
	if len(res.Events) != 1 || res.Events[0].Type != "WithdrawalDeclined" {
		t.Fatalf("withdrawing 4 from a balance of 3 = %+v; want it declined (the state must not hold the lost deposit)", res.Events)
	}
	if n := len(readStream(t, s, "account-a")); n != 3 {
		t.Errorf("account-a holds %d events, want 3 (opened, deposited 3, withdrawal declined)", n)
	}
}
