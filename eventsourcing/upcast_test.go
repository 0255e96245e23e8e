package eventsourcing_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// The account domain of Example as an earlier release stored it: accounts were "created"
// with an "accountId" ("AccountCreatedV0" before that, with an "owner"), deposits were
// "MoneyDeposited", and a withdrawal's amount was a string.
func accountUpcasters() []eventsourcing.Upcaster {
	return []eventsourcing.Upcaster{
		{From: "AccountCreatedV0", Up: func(data json.RawMessage) (string, json.RawMessage, error) {
			var v0 struct{ Owner string }
			if err := json.Unmarshal(data, &v0); err != nil {
				return "", nil, err
			}
			body, err := json.Marshal(map[string]string{"accountId": v0.Owner})
			return "AccountCreated", body, err
		}},
		{From: "AccountCreated", Up: func(data json.RawMessage) (string, json.RawMessage, error) {
			var v1 struct {
				AccountID string `json:"accountId"`
			}
			if err := json.Unmarshal(data, &v1); err != nil {
				return "", nil, err
			}
			body, err := json.Marshal(accountOpened{ID: v1.AccountID})
			return "AccountOpened", body, err
		}},
		eventsourcing.RenameEvent("MoneyDeposited", "Deposited"),
		// Same name, new shape: it sees today's bodies too and leaves them as they are.
		{From: "Withdrawn", Up: func(data json.RawMessage) (string, json.RawMessage, error) {
			var w struct {
				ID     string          `json:"id"`
				Amount json.RawMessage `json:"amount"`
			}
			if err := json.Unmarshal(data, &w); err != nil {
				return "", nil, err
			}
			s, err := strconv.Unquote(string(w.Amount))
			if err != nil {
				return "Withdrawn", data, nil // a number already: today's shape
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return "", nil, err
			}
			body, err := json.Marshal(withdrawn{ID: w.ID, Amount: n})
			return "Withdrawn", body, err
		}},
	}
}

func upcastAccountCodec(tb testing.TB) eventsourcing.Codec[accountEvent] {
	tb.Helper()
	c, err := eventsourcing.Upcast[accountEvent](accountCodec(), accountUpcasters()...)
	if err != nil {
		tb.Fatalf("Upcast: %v", err)
	}
	return c
}

func TestUpcast_Decode(t *testing.T) {
	codec := upcastAccountCodec(t)
	tests := []struct {
		name, typ, data string
		want            accountEvent
	}{
		{"a current event passes through", "Deposited", `{"id":"a","amount":5}`, deposited{ID: "a", Amount: 5}},
		{"a renamed type", "MoneyDeposited", `{"id":"a","amount":5}`, deposited{ID: "a", Amount: 5}},
		{"a renamed type and field", "AccountCreated", `{"accountId":"a"}`, accountOpened{ID: "a"}},
		{"two steps", "AccountCreatedV0", `{"owner":"a"}`, accountOpened{ID: "a"}},
		{"a shape fixed under its name", "Withdrawn", `{"id":"a","amount":"7"}`, withdrawn{ID: "a", Amount: 7}},
		{"today's shape under a fixed name", "Withdrawn", `{"id":"a","amount":7}`, withdrawn{ID: "a", Amount: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := codec.Decode(tt.typ, json.RawMessage(tt.data))
			if err != nil {
				t.Fatalf("Decode(%s, %s): %v", tt.typ, tt.data, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode(%s, %s) = %#v, want %#v", tt.typ, tt.data, got, tt.want)
			}
		})
	}
}

func TestUpcast_DecodeFailures(t *testing.T) {
	boom := errors.New("boom")
	failing := eventsourcing.Upcaster{From: "Broken", Up: func(json.RawMessage) (string, json.RawMessage, error) {
		return "", nil, boom
	}}
	nameless := eventsourcing.Upcaster{From: "Nameless", Up: func(d json.RawMessage) (string, json.RawMessage, error) {
		return "", d, nil
	}}
	lost := eventsourcing.Upcaster{From: "Lost", Up: func(d json.RawMessage) (string, json.RawMessage, error) {
		return "NeverWritten", d, nil // RenameEvent would be refused by Upcast: nothing reads it
	}}
	to := func(typ string) func(json.RawMessage) (string, json.RawMessage, error) {
		return func(d json.RawMessage) (string, json.RawMessage, error) { return typ, d, nil }
	}
	// Built by hand: Upcast refuses RenameEvents that lead in a circle.
	ping, pong := eventsourcing.Upcaster{From: "Ping", Up: to("Pong")}, eventsourcing.Upcaster{From: "Pong", Up: to("Ping")}
	codec, err := eventsourcing.Upcast[accountEvent](accountCodec(), failing, nameless, ping, pong, lost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ        string
		wantUpcast bool  // an *UpcastError for typ
		wantIs     error // and errors.Is this
		wantText   string
	}{
		{typ: "Broken", wantUpcast: true, wantIs: boom, wantText: `upcast "Broken": boom`},
		{typ: "Nameless", wantUpcast: true, wantText: "returned no type name"},
		{typ: "Ping", wantUpcast: true, wantText: "circle"},
		{typ: "Lost", wantText: `unknown event type "NeverWritten"`}, // the codec's own error
		{typ: "Unknown", wantText: `unknown event type "Unknown"`},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			_, err := codec.Decode(tt.typ, json.RawMessage(`{}`))
			if err == nil {
				t.Fatalf("Decode(%s) succeeded", tt.typ)
			}
			var ue *eventsourcing.UpcastError
			if got := errors.As(err, &ue); got != tt.wantUpcast {
				t.Fatalf("Decode(%s) = %v: an UpcastError: %v, want %v", tt.typ, err, got, tt.wantUpcast)
			}
			if tt.wantUpcast && ue.Type != tt.typ {
				t.Errorf("UpcastError.Type = %q, want the stored type %q", ue.Type, tt.typ)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Decode(%s) = %v, not wrapping %v", tt.typ, err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Decode(%s) = %q, want it to contain %q", tt.typ, err, tt.wantText)
			}
		})
	}
}

func TestUpcast_Handles(t *testing.T) {
	codec := upcastAccountCodec(t)
	for typ, want := range map[string]bool{
		"AccountCreatedV0": true, "AccountCreated": true, "MoneyDeposited": true, // old
		"AccountOpened": true, "Deposited": true, "Withdrawn": true, "WithdrawalDeclined": true, // current
		"RestaurantCreated": false, "": false,
	} {
		if got := codec.Handles(typ); got != want {
			t.Errorf("Handles(%q) = %v, want %v", typ, got, want)
		}
	}
}

// What the domain writes today decodes to itself through the upcasters: the Handler folds
// the events it decided without decoding them, so the two must agree.
func TestUpcast_RoundTrip(t *testing.T) {
	codec := upcastAccountCodec(t)
	for _, e := range []accountEvent{accountOpened{ID: "a"}, deposited{ID: "a", Amount: 3}, withdrawn{ID: "a", Amount: 2}, withdrawalDeclined{ID: "a", Amount: 9}} {
		typ, data, err := codec.Encode(e)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", e, err)
		}
		if wantTyp, wantData, _ := accountCodec().Encode(e); typ != wantTyp || string(data) != string(wantData) {
			t.Errorf("Encode(%#v) = %s %s, want the codec's %s %s", e, typ, data, wantTyp, wantData)
		}
		got, err := codec.Decode(typ, data)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("Decode(Encode(%#v)) = %#v, %v", e, got, err)
		}
	}
}

func TestUpcast_InvalidUpcasters(t *testing.T) {
	up := func(d json.RawMessage) (string, json.RawMessage, error) { return "Deposited", d, nil }
	tests := []struct {
		name  string
		codec eventsourcing.Codec[accountEvent]
		ups   []eventsourcing.Upcaster
		want  string
	}{
		{"no codec", nil, nil, "nil codec"},
		{"no From", accountCodec(), []eventsourcing.Upcaster{{Up: up}}, "upcaster 0 has no From"},
		{"no Up", accountCodec(), []eventsourcing.Upcaster{{From: "MoneyDeposited"}}, `from "MoneyDeposited" has no Up`},
		{"two from one type", accountCodec(), []eventsourcing.Upcaster{{From: "X", Up: up}, eventsourcing.RenameEvent("X", "Y")}, `two upcasters from "X"`},
		// The events Deposit writes today would be read as Withdrawn.
		{"a rename from a name the codec decodes", accountCodec(), []eventsourcing.Upcaster{eventsourcing.RenameEvent("Deposited", "Withdrawn")},
			`RenameEvent("Deposited", "Withdrawn"): the codec still decodes "Deposited"`},
		{"a rename to a name nothing reads", accountCodec(), []eventsourcing.Upcaster{eventsourcing.RenameEvent("MoneyDeposited", "Deposit")},
			`RenameEvent("MoneyDeposited", "Deposit"): neither the codec nor an upcaster reads "Deposit"`},
		{"a rename to itself", accountCodec(), []eventsourcing.Upcaster{eventsourcing.RenameEvent("Old", "Old")},
			`RenameEvent("Old", "Old"): the renames lead back to "Old"`},
		{"renames in a circle", accountCodec(), []eventsourcing.Upcaster{eventsourcing.RenameEvent("A", "B"), eventsourcing.RenameEvent("B", "A")},
			`the renames lead back to`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := eventsourcing.Upcast(tt.codec, tt.ups...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Upcast = %v, %v; want an error containing %q", c, err, tt.want)
			}
		})
	}
}

// A rename may lead to a type that another upcaster reads (renamed twice over two
// releases), in whatever order the upcasters are given: the old name is decoded through both.
func TestUpcast_RenameToAnotherUpcastersType(t *testing.T) {
	c, err := eventsourcing.Upcast(accountCodec(),
		eventsourcing.RenameEvent("CashIn", "MoneyDeposited"),
		eventsourcing.RenameEvent("MoneyDeposited", "Deposited"))
	if err != nil {
		t.Fatalf("Upcast: %v", err)
	}
	want := accountEvent(deposited{ID: "a", Amount: 5})
	_, body, err := accountCodec().Encode(want)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Decode("CashIn", body); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(CashIn) = %#v, %v; want %#v", got, err, want)
	}
}

// appendOld writes events as the earlier release wrote them.
func appendOld(tb testing.TB, s store.Store, stream string, events ...store.EventData) {
	tb.Helper()
	if _, err := s.Append(context.Background(), stream, store.Any, events...); err != nil {
		tb.Fatalf("Append: %v", err)
	}
}

// Given a log an earlier release wrote, the command handler, a saga, a projection and Watch
// all read its events through the upcasters. Without them the handler skips the types its
// codec does not handle and cannot decode the old withdrawal.
func TestUpcast_OverALogOfAnEarlierRelease(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newStore(t)
	appendOld(t, s, "account-alice",
		store.EventData{Type: "AccountCreatedV0", Data: json.RawMessage(`{"owner":"alice"}`)},
		store.EventData{Type: "MoneyDeposited", Data: json.RawMessage(`{"id":"alice","amount":10}`)},
		store.EventData{Type: "Withdrawn", Data: json.RawMessage(`{"id":"alice","amount":"3"}`)})
	codec := upcastAccountCodec(t)
	aggregate := eventsourcing.Aggregate[accountCmd, account, accountEvent]{Decider: accountDecider(), Codec: codec, Stream: accountCmd.Stream}

	plain := aggregate
	plain.Codec = accountCodec()
	if _, err := eventsourcing.NewHandler(s, plain).Handle(ctx, withdraw{ID: "alice", Amount: 1}, eventsourcing.Meta{}); err == nil || !strings.Contains(err.Error(), "decode Withdrawn event 3") {
		t.Fatalf("without upcasters: Handle = %v, want the old withdrawal's decoding error", err)
	}

	accounts := eventsourcing.NewHandler(s, aggregate)
	// The balance folded from the old events is 7: withdrawing 8 is declined, 7 is not.
	for _, tc := range []struct {
		amount int
		want   string
	}{{8, "WithdrawalDeclined"}, {7, "Withdrawn"}} {
		res, err := accounts.Handle(ctx, withdraw{ID: "alice", Amount: tc.amount}, eventsourcing.Meta{})
		if err != nil {
			t.Fatalf("withdraw %d: %v", tc.amount, err)
		}
		if got := res.Events[0].Type; got != tc.want {
			t.Fatalf("withdraw %d: %s, want %s", tc.amount, got, tc.want)
		}
	}

	// The welcome-bonus saga reacts to the old "AccountCreatedV0" as to an AccountOpened, and a
	// projection counts every deposit, old and new.
	view := &balances{codec: codec, m: map[string]int{}}
	runner := eventsourcing.NewRunner(s)
	runner.AddProjection(view)
	runner.AddSaga(eventsourcing.NewSaga("welcome-bonus", welcomeBonus(), codec, accounts.Handle))
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	head, err := store.Head(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if got := view.of("alice"); got != 10+10-3-7 {
		t.Errorf("balance = %d, want 10 (old deposit) + 10 (bonus) - 3 (old withdrawal) - 7", got)
	}

	var snaps []eventsourcing.Snapshot[account]
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	for snap, err := range eventsourcing.Watch(watchCtx, s, "account-alice", decider.View[account, accountEvent]{InitialState: account{}, Evolve: accountDecider().Evolve}, codec) {
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
		snaps = append(snaps, snap)
		stopWatch()
	}
	if len(snaps) != 1 || snaps[0].State != (account{Open: true, Balance: 10}) {
		t.Errorf("Watch = %+v, want one snapshot of an open account with 10", snaps)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
