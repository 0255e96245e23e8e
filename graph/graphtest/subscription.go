package graphtest

import (
	"context"
	"io"
	"sync"
)

// Subscription is a running GraphQL subscription. Next returns its messages in order;
// Close ends it. Messages are buffered by a background reader, so a Next that gives up on
// its context does not break the connection.
type Subscription struct {
	msgs chan *Response // closed after the last message
	done chan struct{}  // closed by Close
	wg   sync.WaitGroup

	mu  sync.Mutex
	err error // why msgs was closed: io.EOF for a completed subscription

	closeOnce sync.Once
	closeFn   func()
}

func newSubscription(closeFn func()) *Subscription {
	return &Subscription{msgs: make(chan *Response, 64), done: make(chan struct{}), closeFn: closeFn}
}

// Next returns the next message: a response whose Data holds one result, or whose Errors say
// why the subscription failed. It returns io.EOF once the server has completed the
// subscription, another error when the connection failed, and ctx.Err() when ctx ends first.
func (s *Subscription) Next(ctx context.Context) (*Response, error) {
	select {
	case r, ok := <-s.msgs:
		if !ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			return nil, s.err
		}
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends the subscription (telling the server when the protocol allows) and waits for the
// background reader to stop. It is safe to call more than once.
func (s *Subscription) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeFn()
	})
	s.wg.Wait()
	return nil
}

// deliver hands r to Next; it reports false when the subscription was closed meanwhile.
func (s *Subscription) deliver(r *Response) bool {
	select {
	case s.msgs <- r:
		return true
	case <-s.done:
		return false
	}
}

// finish records why the stream ended and closes the message channel.
func (s *Subscription) finish(err error) {
	if err == nil {
		err = io.EOF
	}
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	close(s.msgs)
}
