package eventsourcing_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// Reading events an earlier release wrote: Example's accounts were once "AccountCreated"
// with an "accountId", and deposits "MoneyDeposited". The log keeps them as they were; the
// upcasters rewrite them as they are read, for the handler, sagas and projections alike.
func ExampleUpcast() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	_, _ = s.Append(ctx, "account-alice", store.NoStream,
		store.EventData{Type: "AccountCreated", Data: json.RawMessage(`{"accountId":"alice"}`)},
		store.EventData{Type: "MoneyDeposited", Data: json.RawMessage(`{"id":"alice","amount":30}`)})

	codec, err := eventsourcing.Upcast[accountEvent](accountCodec(),
		eventsourcing.Upcaster{From: "AccountCreated", Up: func(data json.RawMessage) (string, json.RawMessage, error) {
			var old struct {
				AccountID string `json:"accountId"`
			}
			if err := json.Unmarshal(data, &old); err != nil {
				return "", nil, err
			}
			body, err := json.Marshal(accountOpened{ID: old.AccountID})
			return "AccountOpened", body, err
		}},
		eventsourcing.RenameEvent("MoneyDeposited", "Deposited"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	accounts := eventsourcing.NewHandler(s, eventsourcing.Aggregate[accountCmd, account, accountEvent]{
		Decider: accountDecider(),
		Codec:   codec,
		Stream:  accountCmd.Stream,
	})
	res, err := accounts.Handle(ctx, withdraw{ID: "alice", Amount: 20}, eventsourcing.Meta{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Events[0].Type, res.Version)
	// Output:
	// Withdrawn 3
}
