package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store/memory"
)

// A command handler over the in-memory store: commands are decided against the stream's
// events, a repeated command id returns the first result, and a pinned expected version
// detects a lost update.
func ExampleHandler_Handle() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	h := eventsourcing.NewHandler(s, counterAggregate())

	res, _ := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "create-a"})
	fmt.Println(res.StreamID, res.Version, res.Position, len(res.Events), res.Duplicate)

	res, _ = h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "create-a"})
	fmt.Println(res.StreamID, res.Version, res.Position, len(res.Events), res.Duplicate)

	v := res.Version
	_, _ = h.Handle(ctx, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{ExpectedVersion: &v})
	_, err := h.Handle(ctx, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{ExpectedVersion: &v})
	fmt.Println(err)

	_, err = h.Handle(ctx, addToCounter{ID: "a", N: 5}, eventsourcing.Meta{CommandID: "create-a"})
	fmt.Println(errors.Is(err, eventsourcing.ErrCommandIDReused))
	// Output:
	// counter-a 1 1 1 false
	// counter-a 1 1 1 true
	// store: version conflict on stream "counter-a": expected 1, actual 2
	// true
}

// A runner feeds a projection and a saga; WaitFor returns once the projection reflects a
// command and the commands its saga caused.
func ExampleRunner_WaitFor() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := memory.New()
	defer s.Close()
	h := eventsourcing.NewHandler(s, counterAggregate())
	view := newTotals("totals")
	r := eventsourcing.NewRunner(s)
	r.AddProjection(view)
	r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle))
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()

	res, _ := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{})
	if err := r.WaitFor(ctx, res.Position); err != nil {
		fmt.Println(err)
	}
	_, ok := view.get("mirror-a")
	fmt.Println("mirror-a exists:", ok)
	for _, st := range r.Status() {
		fmt.Println(st.Kind, st.Name, st.Position)
	}
	cancel()
	fmt.Println(<-done)
	// Output:
	// mirror-a exists: true
	// projection totals 2
	// saga mirror 2
	// <nil>
}
