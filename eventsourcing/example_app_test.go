package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// A domain of one's own, end to end: bank accounts.

// accountCmd is a command to an account; Stream names the stream it addresses.
type accountCmd interface{ Stream() string }

type openAccount struct{ ID string }
type deposit struct {
	ID     string
	Amount int
}
type withdraw struct {
	ID     string
	Amount int
}

func (c openAccount) Stream() string { return "account-" + c.ID }
func (c deposit) Stream() string     { return "account-" + c.ID }
func (c withdraw) Stream() string    { return "account-" + c.ID }

// accountEvent is a fact about an account (its names in the log are the codec's: see
// accountCodec).
type accountEvent interface{ isAccountEvent() }

type accountOpened struct {
	ID string `json:"id"`
}
type deposited struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}
type withdrawn struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}

// withdrawalDeclined records a refusal that must stand: a saga that reads this event again
// after a restart sees the same outcome, whatever the balance is by then.
type withdrawalDeclined struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}

func (accountOpened) isAccountEvent()      {}
func (deposited) isAccountEvent()          {}
func (withdrawn) isAccountEvent()          {}
func (withdrawalDeclined) isAccountEvent() {}

type account struct {
	Open    bool
	Balance int
}

// accountDecider is the pure domain: Decide and Evolve, no I/O.
func accountDecider() decider.Decider[accountCmd, account, accountEvent] {
	return decider.Decider[accountCmd, account, accountEvent]{
		Decide: func(c accountCmd, s account) ([]accountEvent, error) {
			// Input first, then existence, then the rules (the order clients rely on).
			if d, ok := c.(deposit); ok && d.Amount <= 0 {
				return nil, &decider.ValidationError{Field: "amount", Reason: "must be positive"}
			}
			if _, opening := c.(openAccount); !opening && !s.Open {
				return nil, fmt.Errorf("%s: %w", c.Stream(), decider.ErrNotFound)
			}
			switch c := c.(type) {
			case openAccount:
				if s.Open {
					return nil, fmt.Errorf("%s: %w", c.Stream(), decider.ErrAlreadyExists)
				}
				return []accountEvent{accountOpened{ID: c.ID}}, nil
			case deposit:
				return []accountEvent{deposited{ID: c.ID, Amount: c.Amount}}, nil
			case withdraw:
				if c.Amount > s.Balance {
					return []accountEvent{withdrawalDeclined{ID: c.ID, Amount: c.Amount}}, nil
				}
				return []accountEvent{withdrawn{ID: c.ID, Amount: c.Amount}}, nil
			}
			return nil, fmt.Errorf("%w: unknown command %T", decider.ErrInvalid, c)
		},
		Evolve: func(s account, e accountEvent) account {
			switch e := e.(type) {
			case accountOpened:
				s.Open = true
			case deposited:
				s.Balance += e.Amount
			case withdrawn:
				s.Balance -= e.Amount
			}
			return s
		},
	}
}

// accountCodec maps events to the log's type names and JSON bodies and back.
func accountCodec() *eventsourcing.JSONCodec[accountEvent] {
	return eventsourcing.NewJSONCodec(
		eventsourcing.JSONEvent[accountOpened, accountEvent]("AccountOpened"),
		eventsourcing.JSONEvent[deposited, accountEvent]("Deposited"),
		eventsourcing.JSONEvent[withdrawn, accountEvent]("Withdrawn"),
		eventsourcing.JSONEvent[withdrawalDeclined, accountEvent]("WithdrawalDeclined"),
	)
}

// balances is a read model: every account's balance, fed by a Runner.
type balances struct {
	codec eventsourcing.Codec[accountEvent]
	mu    sync.Mutex
	m     map[string]int
}

func (*balances) Name() string { return "balances" }

func (b *balances) Apply(e store.Event) error {
	if !b.codec.Handles(e.Type) {
		return nil // another aggregate's event
	}
	ev, err := b.codec.Decode(e.Type, e.Data)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case deposited:
		b.m[ev.ID] += ev.Amount
	case withdrawn:
		b.m[ev.ID] -= ev.Amount
	}
	return nil
}

func (b *balances) of(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[id]
}

// welcomeBonus is a saga: every account opened gets a deposit of 10.
func welcomeBonus() decider.Saga[accountEvent, accountCmd] {
	return decider.Saga[accountEvent, accountCmd]{React: func(e accountEvent) []accountCmd {
		if o, ok := e.(accountOpened); ok {
			return []accountCmd{deposit{ID: o.ID, Amount: 10}}
		}
		return nil
	}}
}

// A domain of one's own on the library: a decider, a codec, a command handler, a read
// model and a saga, over the in-memory store (the JSONL store, jsonl.Open, is a drop-in).
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := memory.New()
	defer s.Close()

	codec := accountCodec()                 // one, shared by the handler, the read model and the saga
	ids := eventsourcing.NewCommandIndex(s) // one per store, shared by all of its handlers
	accounts := eventsourcing.NewHandler(s, eventsourcing.Aggregate[accountCmd, account, accountEvent]{
		Decider: accountDecider(),
		Codec:   codec,
		Stream:  accountCmd.Stream,
	}, eventsourcing.WithCommandIndex(ids))
	view := &balances{codec: codec, m: map[string]int{}}
	runner := eventsourcing.NewRunner(s)
	runner.AddProjection(view)
	runner.AddProjection(ids) // the index follows the log too, instead of reading it on first use
	runner.AddSaga(eventsourcing.NewSaga("welcome-bonus", welcomeBonus(), codec, accounts.Handle))
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()

	opened, err := accounts.Handle(ctx, openAccount{ID: "alice"}, eventsourcing.Meta{CommandID: "open-alice"})
	if err != nil {
		fmt.Println(err)
	}
	// Read your own write: the balance once the read model, and the saga's deposit, caught up.
	if err := runner.WaitFor(ctx, opened.Position); err != nil {
		fmt.Println(err)
	}
	fmt.Println("alice:", view.of("alice"))

	res, _ := accounts.Handle(ctx, withdraw{ID: "alice", Amount: 25}, eventsourcing.Meta{})
	fmt.Println(res.Events[0].Type)
	_, err = accounts.Handle(ctx, deposit{ID: "bob", Amount: 5}, eventsourcing.Meta{})
	fmt.Println(errors.Is(err, decider.ErrNotFound))
	again, _ := accounts.Handle(ctx, openAccount{ID: "alice"}, eventsourcing.Meta{CommandID: "open-alice"})
	fmt.Println("duplicate:", again.Duplicate)

	// Stop Run and wait for it before the store closes (deferred above): on its way out Run
	// saves the sagas' checkpoints, which a store closed first would not keep.
	cancel()
	fmt.Println(<-done)
	// Output:
	// alice: 10
	// WithdrawalDeclined
	// true
	// duplicate: true
	// <nil>
}
