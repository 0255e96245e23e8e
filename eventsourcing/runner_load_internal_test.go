package eventsourcing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// triggerCodecOf decodes "trigger" events into the JSON value of their body.
type triggerCodecOf[T any] struct{}

func (triggerCodecOf[T]) Encode(v T) (string, json.RawMessage, error) {
	b, err := json.Marshal(v)
	return "trigger", b, err
}
func (triggerCodecOf[T]) Decode(_ string, data json.RawMessage) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}
func (triggerCodecOf[T]) Handles(typ string) bool { return typ == "trigger" }

// TestRunner_sagaHoldsBackHandledEvents checks that the events a saga handles behind one
// still in flight (its command retries a transient failure, say) do not pile up without
// bound: every later event causes a command for a stream of its own, and the subscription
// waits once maxPendingHandled of them wait to be counted (before, only ignored events were
// held back).
func TestRunner_sagaHoldsBackHandledEvents(t *testing.T) {
	mem := memory.New()
	defer mem.Close()
	release := make(chan struct{})
	var completed atomic.Int64
	saga := NewSaga("s", decider.Saga[string, streamCommand]{React: func(s string) []streamCommand { return []streamCommand{{s: "cmd-" + s}} }},
		triggerCodecOf[string]{}, func(ctx context.Context, c streamCommand, m Meta) (Result, error) {
			if c.s == "cmd-stuck" {
				select {
				case <-release:
					return Result{}, nil
				case <-ctx.Done():
					return Result{}, ctx.Err()
				}
			}
			completed.Add(1)
			return Result{}, nil
		})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	appendTrigger := func(stream string) {
		b, _ := json.Marshal(stream)
		if _, err := mem.Append(ctx, stream, store.NoStream, store.EventData{Type: "trigger", Data: b}); err != nil {
			t.Fatal(err)
		}
	}
	appendTrigger("stuck")
	const later = 3 * maxPendingHandled
	for i := range later {
		appendTrigger(fmt.Sprint("s-", i))
	}
	r := NewRunner(mem)
	r.AddSaga(saga)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	// Until the stuck command is released, the saga runs on until it waits for it, or
	// (were it not held back) to the end of the log.
	for !sagaWaitsForInFlight() && completed.Load() < later {
		if ctx.Err() != nil {
			t.Fatal("the saga neither waited nor handled the log")
		}
		runtime.Gosched()
	}
	bound := int64(maxPendingHandled + DefaultSagaParallelism)
	n := completed.Load()
	close(release)
	if err := r.CaughtUp(ctx); err != nil {
		t.Fatalf("CaughtUp: %v", err)
	}
	cancel()
	<-done
	if n > bound {
		t.Fatalf("%d events handled and kept in memory behind one event in flight, want at most %d (maxPendingHandled + parallelism)", n, bound)
	}
}

type echoCommand struct{ k int }

func (c echoCommand) Stream() string { return fmt.Sprint("echo-", c.k) }

type nopProjection struct {
	at atomic.Int64 // the position of the last event applied
}

func (*nopProjection) Name() string { return "nop" }
func (p *nopProjection) Apply(e store.Event) error {
	p.at.Store(int64(e.Position))
	return nil
}

// steadyLoad models a steady flow of commands: clients append "trigger" events, and a saga turns each
// into one "echo" event (which nothing reacts to). The saga's command for trigger k takes
// longer than the gap between two triggers: it lands after trigger k+1 was appended, and
// before trigger k+2 is, which comes once the projection has processed echo k. (The clients
// wait for both. Left to the scheduler, a command whose goroutine ran late landed after the
// last trigger, behind the held command, and the test waited for it; and a projection left
// far behind had the saga keep as many writes.) That is all: no saga reacts to a saga's write, so what event k led to is
// echo k alone. The last trigger's command is held until finish is closed.
type steadyLoad struct {
	mem      *memory.Store
	r        *Runner
	saga     *processor
	n        int
	trigger  []store.Position // position of trigger k
	echo     []atomic.Int64   // position of echo k
	started  []chan struct{}
	appended []chan struct{}
	echoed   []chan struct{} // closed once echo k is written
	nop      *nopProjection
	finish   chan struct{}
	driven   chan struct{} // closed once every trigger is appended and the last is in flight
}

func newSteadyLoad(t *testing.T, ctx context.Context, n int) *steadyLoad {
	z := &steadyLoad{mem: memory.New(), n: n, trigger: make([]store.Position, n+2), echo: make([]atomic.Int64, n+2),
		finish: make(chan struct{}), driven: make(chan struct{}), nop: &nopProjection{}}
	t.Cleanup(func() { z.mem.Close() })
	for range n + 2 {
		z.started = append(z.started, make(chan struct{}))
		z.appended = append(z.appended, make(chan struct{}))
		z.echoed = append(z.echoed, make(chan struct{}))
	}
	saga := NewSaga("echo", decider.Saga[int, echoCommand]{React: func(k int) []echoCommand { return []echoCommand{{k}} }},
		triggerCodecOf[int]{}, func(ctx context.Context, c echoCommand, m Meta) (Result, error) {
			close(z.started[c.k])
			gate := z.appended[c.k+1]
			if c.k == z.n {
				gate = z.finish
			}
			select {
			case <-gate:
			case <-ctx.Done():
				return Result{}, ctx.Err()
			}
			app, err := z.mem.Append(ctx, c.Stream(), store.NoStream, store.EventData{Type: "echo", Data: json.RawMessage(`{}`)})
			if err != nil {
				return Result{}, err
			}
			z.echo[c.k].Store(int64(app.Position))
			close(z.echoed[c.k])
			// As Handler.Handle's: the events say which positions the command wrote.
			return Result{Position: app.Position, Events: []store.Event{{Position: app.Position}}}, nil
		})
	z.r = NewRunner(z.mem)
	z.r.AddProjection(z.nop)
	z.r.AddSaga(saga)
	for _, q := range z.r.procs {
		if q.saga != nil {
			z.saga = q
		}
	}
	appendTrigger := func(k int) bool {
		b, _ := json.Marshal(k)
		app, err := z.mem.Append(ctx, fmt.Sprint("client-", k), store.NoStream, store.EventData{Type: "trigger", Data: b})
		z.trigger[k] = app.Position
		return err == nil
	}
	go func() { // the clients
		if !appendTrigger(1) {
			return
		}
		for k := 1; k < n; k++ {
			select {
			case <-z.started[k]:
			case <-ctx.Done():
				return
			}
			if !appendTrigger(k + 1) {
				return
			}
			close(z.appended[k+1])
			select {
			case <-z.echoed[k]:
			case <-ctx.Done():
				return
			}
			for z.nop.at.Load() < z.echo[k].Load() { // nor does the projection fall behind
				if ctx.Err() != nil {
					return
				}
				runtime.Gosched()
			}
		}
		select {
		case <-z.started[n]:
			close(z.driven)
		case <-ctx.Done():
		}
	}()
	return z
}

// waitAllAt waits until every processor of the runner is at p or beyond.
func (z *steadyLoad) waitAllAt(ctx context.Context, t *testing.T, p store.Position) {
	for {
		low := store.Position(math.MaxInt64)
		for _, s := range z.r.Status() {
			low = min(low, s.Position)
		}
		if low >= p {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("processors never reached %d: %+v", p, z.r.Status())
		}
		runtime.Gosched()
	}
}

// TestRunner_WaitForIsNotHeldUpBySteadyLoad checks that WaitFor(p) returns once p and what
// the sagas wrote because of it are processed everywhere, while writes caused by later
// events go on. Before, the closure followed every saga write for every event up to the
// last position written, so each trigger that arrived while the saga's previous command was
// in flight extended the wait: under steady load a WaitFor waited for a lull.
func TestRunner_WaitForIsNotHeldUpBySteadyLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	z := newSteadyLoad(t, ctx, 20)
	done := make(chan error, 1)
	go func() { done <- z.r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	<-z.driven
	// Trigger 1 and its one consequence, echo 1, are processed by every processor, and so
	// is echo n-1, the last write so far, which the trigger being handled came before: the
	// saga, with that trigger in flight, has not advanced over it.
	for z.echo[z.n-1].Load() == 0 {
		if ctx.Err() != nil {
			t.Fatal("echo n-1 was never written")
		}
		runtime.Gosched()
	}
	for last := store.Position(z.echo[z.n-1].Load()); z.r.Status()[0].Position < last; { // the projection
		if ctx.Err() != nil {
			t.Fatal("the projection never processed echo n-1")
		}
		runtime.Gosched()
	}
	echo1 := store.Position(z.echo[1].Load())
	z.waitAllAt(ctx, t, max(z.trigger[1], echo1))
	t.Logf("trigger 1 at %d, echo 1 at %d; status %+v", z.trigger[1], echo1, z.r.Status())

	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second) // a bound for a failure
	err := z.r.WaitFor(wctx, z.trigger[1])
	wcancel()
	z.r.mu.Lock()
	target := z.r.closureLocked(z.trigger[1])
	z.r.mu.Unlock()
	close(z.finish)
	if err != nil {
		t.Fatalf("WaitFor(%d) = %v, with it and echo 1 (%d), all it led to, processed everywhere; the closure it waits for is %d (trigger %d is at %d)",
			z.trigger[1], err, echo1, target, z.n, z.trigger[z.n])
	}
}

// TestRunner_sagaForgetsWritesUnderSteadyLoad checks that a saga forgets a write once all it
// led to is processed everywhere, under the same steady load. Before, the closure of each
// write ran on to the latest one, so the writes grew by one a command for as long as the
// load lasted, and every advance walked them all.
func TestRunner_sagaForgetsWritesUnderSteadyLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 2000
	z := newSteadyLoad(t, ctx, n)
	done := make(chan error, 1)
	go func() { done <- z.r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	<-z.driven
	z.waitAllAt(ctx, t, z.trigger[n]-1) // every event before the last trigger processed everywhere
	z.r.mu.Lock()
	kept := len(z.saga.writes)
	z.r.mu.Unlock()
	close(z.finish)
	// The saga forgets writes as it advances: it keeps those whose echo a processor had not
	// processed when it last advanced, as many as the projection lagged behind it then (a
	// few events: the clients keep it close).
	t.Logf("the saga keeps %d writes", kept)
	if kept > 10 {
		t.Fatalf("the saga keeps %d writes with every processor at %d or beyond (head %d); each led only to its own echo, processed everywhere",
			kept, z.trigger[n]-1, z.trigger[n]+1)
	}
}
