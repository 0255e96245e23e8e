package storetest

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// The model check's running subscription (see modelRun.live), which lives across the
// other operations.

// liveSub is a subscription that runs beside the model check's operations: between
// appends and reads, the check takes the events it received now and then. A restart ends it
// (stopLive); the next step that takes from a subscription starts a new one, from a position
// that step picks. It reads on its own goroutine, as a
// subscriber that keeps up does, so that a store that holds up writers while a subscriber
// handles an event fails the check rather than hangs it.
type liveSub struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the subscription's goroutine has returned
	notify chan struct{} // signalled when got grows or the subscription ends
	mu     sync.Mutex
	got    []store.Event
	err    error // what the subscription ended with
	ended  bool
	taken  int            // how many of got the check has compared
	at     store.Position // the position of the last event taken
}

// stopLive stops the live subscription, if there is one, and waits for its goroutine (as
// long as a store that ends subscriptions with their context takes).
func (r *modelRun) stopLive() string {
	sub := r.sub
	if sub == nil {
		return ""
	}
	r.sub = nil
	sub.cancel()
	select {
	case <-sub.done:
		return ""
	case <-time.After(r.h.timeout()):
		return fmt.Sprintf("the live subscription did not end within %v of its context", r.h.timeout())
	}
}

// live takes, from the live subscription (started first, from a position the operation
// picks, when there is none), up to as many events as the operation says of those committed
// since it last took one, and compares them with the model's: a subscription keeps up with
// the log, whatever happened between two takes.
func (r *modelRun) live(o opBytes) string {
	if r.sub == nil {
		after := store.Position(afterVersion(o[2], o[3], store.Version(r.m.head())))
		if after < 0 || after > r.m.head()+3 {
			after = r.m.head() // far past the head, it would wait for positions the log never reaches
		}
		ctx, cancel := context.WithCancel(r.ctx)
		seq, what := r.s.Subscribe(ctx, after), "Subscribe"
		if _, ok := r.s.(store.SharedSubscriber); ok && o[6]%2 == 0 {
			seq, what = store.SubscribeReadOnly(ctx, r.s, after), "SubscribeShared"
		}
		sub := &liveSub{cancel: cancel, done: make(chan struct{}), notify: make(chan struct{}, 1), at: after}
		go sub.run(seq)
		r.sub = sub
		r.did("%s(%d), kept running", what, after)
	}
	sub := r.sub
	n := min(int(o[4]%8)+1, int(r.m.head()-sub.at))
	if n <= 0 {
		return ""
	}
	r.did("take %d events from the subscription, at %d", n, sub.at)
	timeout := time.NewTimer(r.h.timeout())
	defer timeout.Stop()
	for {
		sub.mu.Lock()
		got, err, ended := sub.got[sub.taken:], sub.err, sub.ended
		sub.mu.Unlock()
		for _, e := range got[:min(n, len(got))] {
			if d := r.m.match(sub.at+1, e); d != "" {
				return fmt.Sprintf("the subscription, after position %d: %s", sub.at, d)
			}
			sub.at++
			sub.taken++
			r.n.readEvents++
			n--
		}
		switch {
		case n == 0:
			return ""
		case err != nil:
			return fmt.Sprintf("the subscription, after position %d: %v", sub.at, err)
		case ended:
			return fmt.Sprintf("the subscription ended after position %d", sub.at)
		}
		select {
		case <-sub.notify:
		case <-timeout.C:
			return fmt.Sprintf("the subscription yielded no event after position %d within %v (the head is %d)", sub.at, r.h.timeout(), r.m.head())
		}
	}
}

// run reads the subscription until it ends, keeping what it yields.
func (sub *liveSub) run(seq iter.Seq2[store.Event, error]) {
	defer close(sub.done)
	defer sub.signal()
	for e, err := range seq {
		sub.mu.Lock()
		if err != nil {
			sub.err = err
		} else {
			sub.got = append(sub.got, e)
		}
		sub.mu.Unlock()
		sub.signal()
		if err != nil {
			break
		}
	}
	sub.mu.Lock()
	sub.ended = true
	sub.mu.Unlock()
}

func (sub *liveSub) signal() {
	select {
	case sub.notify <- struct{}{}:
	default:
	}
}
