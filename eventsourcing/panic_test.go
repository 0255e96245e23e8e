package eventsourcing_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// explode is a command whose Decide panics.
type explode struct{ ID string }

func (c explode) Stream() string { return "account-" + c.ID }

// A panic in Decide (which gqlgen, the HTTP middleware and the saga runner recover) leaves
// the stream's lock released: the stream's next command is decided, with or without a
// command id. The command observer hears of the commands that return, not of the panic.
func TestHandler_panicReleasesTheStream(t *testing.T) {
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })
	d := accountDecider()
	decide := d.Decide
	d.Decide = func(c accountCmd, s account) ([]accountEvent, error) {
		if _, ok := c.(explode); ok {
			panic("decide panicked")
		}
		return decide(c, s)
	}
	var observed []string
	observe := func(_ context.Context, o eventsourcing.CommandObservation) { observed = append(observed, o.Type) }
	h := eventsourcing.NewHandler(mem, eventsourcing.Aggregate[accountCmd, account, accountEvent]{
		Decider: d, Codec: accountCodec(), Stream: accountCmd.Stream,
	}, eventsourcing.WithSnapshots(1, "r1"), eventsourcing.WithCommandObserver(observe))
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})
	for i, meta := range []eventsourcing.Meta{{}, {CommandID: "c1"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("Decide's panic did not reach the caller")
				}
			}()
			_, _ = h.Handle(t.Context(), explode{ID: "a"}, meta)
		}()
		// A hang here is the failure: the context's end turns it into an error.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		res, err := h.Handle(ctx, deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
		cancel()
		if err != nil || res.Version != store.Version(i+2) {
			t.Fatalf("the stream's next command after a recovered panic: %+v, %v; want version %d", res, err, i+2)
		}
	}
	if want := []string{"openAccount", "deposit", "deposit"}; !slices.Equal(observed, want) {
		t.Errorf("observed %v, want %v: the commands that returned", observed, want)
	}
}

// panickyCodec panics decoding the events whose data contains bad, as a codec (or an
// Upcaster given to eventsourcing.Upcast) meeting a shape it did not expect may.
type panickyCodec struct {
	counterCodec
	bad string
}

func (c panickyCodec) Decode(typ string, data json.RawMessage) (counterEvent, error) {
	if strings.Contains(string(data), c.bad) {
		panic("unexpected shape")
	}
	return c.counterCodec.Decode(typ, data)
}

// TestRunner_sagaCodecPanic: a panic while a saga decodes an event is the saga's fault, as
// one in React is: counted, the checkpoint held before the event; not the death of the
// process on the subscription's goroutine (and again at every restart, from the checkpoint).
func TestRunner_sagaCodecPanic(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	last := createTwo(t, h) // b, at last, is the event the codec panics on
	log, buf := quietLogger()
	r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
	r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), panickyCodec{bad: `"b"`}, h.Handle, fastBackoff))
	startRunner(t, r)
	waitFor(t, r, last)
	if st := statusOf(t, r, "mirror"); st.Failures != 1 || !strings.Contains(st.LastError, "unexpected shape") {
		t.Fatalf("saga status %+v, want one failure naming the panic", st)
	}
	if !strings.Contains(buf.String(), "unexpected shape") {
		t.Fatalf("log %q does not report the panic", buf.String())
	}
}
