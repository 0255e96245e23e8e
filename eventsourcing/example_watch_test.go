package eventsourcing_test

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store/memory"
)

// Watch streams one stream's view: its state now, then after every event of the stream, until
// the context ends (or the loop breaks).
func ExampleWatch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := memory.New()
	defer s.Close()
	accounts := eventsourcing.NewHandler(s, eventsourcing.Aggregate[accountCmd, account, accountEvent]{
		Decider: accountDecider(),
		Codec:   accountCodec(),
		Stream:  accountCmd.Stream,
	})
	_, _ = accounts.Handle(ctx, openAccount{ID: "alice"}, eventsourcing.Meta{})

	view := decider.View[account, accountEvent]{Evolve: accountDecider().Evolve}
	for snap, err := range eventsourcing.Watch(ctx, s, "account-alice", view, accountCodec()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("version %d: %+v\n", snap.Version, snap.State)
		if snap.State.Balance >= 10 {
			break
		}
		_, _ = accounts.Handle(ctx, deposit{ID: "alice", Amount: 5}, eventsourcing.Meta{})
	}
	// Output:
	// version 1: {Open:true Balance:0}
	// version 2: {Open:true Balance:5}
	// version 3: {Open:true Balance:10}
}
