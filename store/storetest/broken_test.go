package storetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// Deliberately broken stores, each wrapping a correct memory store and breaking one rule of
// the contract, to prove the suite notices.

// noVersionCheck appends whatever the expected version.
type noVersionCheck struct{ *memory.Store }

func (s noVersionCheck) Append(ctx context.Context, stream string, _ store.Version, events ...store.EventData) (store.Appended, error) {
	return s.Store.Append(ctx, stream, store.Any, events...)
}

// reorder swaps neighbouring events in ReadAll and Subscribe.
type reorder struct{ *memory.Store }

func (s reorder) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return swapPairs(s.Store.ReadAll(ctx, after))
}

func (s reorder) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return swapPairs(s.Store.Subscribe(ctx, after))
}

// swapPairs yields each event at an odd position after the one that follows it.
func swapPairs(seq iter.Seq2[store.Event, error]) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		var held *store.Event
		for e, err := range seq {
			if err == nil && held == nil && e.Position%2 == 1 {
				held = &e
				continue
			}
			if !yield(e, err) {
				return
			}
			if held != nil {
				if !yield(*held, nil) {
					return
				}
				held = nil
			}
		}
		if held != nil {
			yield(*held, nil)
		}
	}
}

// dropOne loses the event at position 2 in subscriptions.
type dropOne struct{ *memory.Store }

func (s dropOne) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range s.Store.Subscribe(ctx, after) {
			if err == nil && e.Position == 2 {
				continue
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// nonAtomic appends a batch one event at a time, checking the version only for the first.
type nonAtomic struct{ *memory.Store }

func (s nonAtomic) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	var last store.Appended
	for i, e := range events {
		if i > 0 {
			expected = store.Any
		}
		a, err := s.Store.Append(ctx, stream, expected, e)
		if err != nil {
			return last, err
		}
		last = a
	}
	if len(events) == 0 {
		return s.Store.Append(ctx, stream, expected)
	}
	return last, nil
}

// lockedYield holds a lock that appends need while a subscriber handles an event, so a
// subscriber that stops reading blocks every writer.
type lockedYield struct {
	*memory.Store
	mu *sync.RWMutex
}

func (s lockedYield) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Store.Append(ctx, stream, expected, events...)
}

func (s lockedYield) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range s.Store.Subscribe(ctx, after) {
			s.mu.RLock()
			ok := yield(e, err)
			s.mu.RUnlock()
			if !ok {
				return
			}
		}
	}
}

// leaky feeds subscriptions through a goroutine that outlives a consumer that stops early
// (it ends only when the subscription's context does).
type leaky struct{ *memory.Store }

func (s leaky) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		type item struct {
			e   store.Event
			err error
		}
		ch := make(chan item)
		go func() {
			defer close(ch)
			for e, err := range s.Store.Subscribe(ctx, after) {
				select {
				case ch <- item{e, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
		for it := range ch {
			if !yield(it.e, it.err) || it.err != nil {
				return
			}
		}
	}
}

// ignoresContext reads and subscribes with a context that never ends.
type ignoresContext struct{ *memory.Store }

func (s ignoresContext) ReadStream(_ context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return s.Store.ReadStream(context.Background(), stream, after)
}

func (s ignoresContext) ReadAll(_ context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.Store.ReadAll(context.Background(), after)
}

func (s ignoresContext) Subscribe(_ context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.Store.Subscribe(context.Background(), after)
}

// reencodes returns Data re-encoded by json.Marshal, which escapes <, >, & and U+2028.
type reencodes struct{ *memory.Store }

func (s reencodes) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return mapEvents(s.Store.ReadStream(ctx, stream, after), func(e store.Event) store.Event {
		data, err := json.Marshal(e.Data)
		if err == nil {
			e.Data = data
		}
		return e
	})
}

// localTime returns times in a zone other than UTC and loses metadata.
type localTime struct{ *memory.Store }

func (s localTime) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return mapEvents(s.Store.ReadAll(ctx, after), func(e store.Event) store.Event {
		e.Time = e.Time.In(time.FixedZone("UTC+1", 3600))
		return e
	})
}

func (s localTime) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return mapEvents(s.Store.ReadStream(ctx, stream, after), func(e store.Event) store.Event {
		e.Metadata = nil
		return e
	})
}

// neverCloses ignores Close.
type neverCloses struct{ *memory.Store }

func (neverCloses) Close() error { return nil }

// mapEvents applies f to every event seq yields.
func mapEvents(seq iter.Seq2[store.Event, error], f func(store.Event) store.Event) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range seq {
			if err == nil {
				e = f(e)
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// trimsStreamIDs treats stream ids that differ only in surrounding spaces as one stream.
type trimsStreamIDs struct{ *memory.Store }

func (s trimsStreamIDs) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	return s.Store.Append(ctx, strings.TrimSpace(stream), expected, events...)
}

func (s trimsStreamIDs) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return s.Store.ReadStream(ctx, strings.TrimSpace(stream), after)
}

// repeatsTypes yields a type's events once for every time the type is named.
type repeatsTypes struct{ *memory.Store }

func (s repeatsTypes) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range s.Store.ReadAll(ctx, after) {
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			for _, t := range types {
				if e.Type == t && !yield(e, nil) {
					return
				}
			}
		}
	}
}

// staleVersion reports a stream's version one behind once it has two events.
type staleVersion struct{ *memory.Store }

func (s staleVersion) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	v, err := s.Store.StreamVersion(ctx, stream)
	if v > 1 {
		v--
	}
	return v, err
}

// sharesSubscribed yields subscribers the store's own events, which they then may change for
// everyone.
type sharesSubscribed struct{ *memory.Store }

func (s sharesSubscribed) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.SubscribeShared(ctx, after)
}

// returnsRawData is a memory store whose handed-over appends return each event's data as it
// was given rather than as the store holds it (compacted).
type returnsRawData struct{ *memory.Store }

func (s returnsRawData) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	app, evs, err := s.Store.AppendHandover(ctx, stream, expected, events...)
	for i := range evs {
		evs[i].Data = events[i].Data
	}
	return app, evs, err
}

// visibleOneByOne validates a whole batch and checks its expected version first, holding
// its own lock, so a batch is all or nothing for conflicts and invalid events and takes
// consecutive positions; but it then commits the events one at a time, so readers can see
// the first events of a batch without the rest.
type visibleOneByOne struct {
	*memory.Store
	mu *sync.Mutex
}

func (s visibleOneByOne) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	if _, err := store.Prepare(stream, expected, events, 0); err != nil {
		return store.Appended{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.StreamVersion(ctx, stream)
	if err != nil {
		return store.Appended{}, err
	}
	if err := store.CheckVersion(stream, expected, v); err != nil {
		return store.Appended{}, err
	}
	var last store.Appended
	for _, e := range events {
		if last, err = s.Store.Append(ctx, stream, store.Any, e); err != nil {
			return last, err
		}
		runtime.Gosched()
	}
	return last, nil
}

// buffersSubscribers pumps each subscription through a goroutine into an unbounded queue:
// a stalled subscriber never blocks writers, but holds a copy of every event appended since.
type buffersSubscribers struct{ *memory.Store }

func (s buffersSubscribers) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type item struct {
			e   store.Event
			err error
		}
		var (
			mu    sync.Mutex
			queue []item
			more  = make(chan struct{}, 1)
		)
		go func() {
			for e, err := range s.Store.Subscribe(ctx, after) {
				mu.Lock()
				queue = append(queue, item{e, err})
				mu.Unlock()
				select {
				case more <- struct{}{}:
				default:
				}
				if err != nil {
					return
				}
			}
		}()
		for {
			mu.Lock()
			if len(queue) == 0 {
				mu.Unlock()
				<-more
				continue
			}
			it := queue[0]
			queue = queue[1:]
			mu.Unlock()
			if !yield(it.e, it.err) || it.err != nil {
				return
			}
		}
	}
}

// clampsToHead starts a subscription past the head at the head instead.
type clampsToHead struct{ *memory.Store }

func (s clampsToHead) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	if h, err := s.Head(ctx); err == nil && after > h {
		after = h
	}
	return s.Store.Subscribe(ctx, after)
}

// wraps32 takes the position or version a read starts after as a 32-bit int would hold it,
// as the JSONL store did on a 32-bit processor.
type wraps32 struct{ *memory.Store }

func (s wraps32) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return s.Store.ReadStream(ctx, stream, store.Version(int32(after)))
}

func (s wraps32) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.Store.ReadAll(ctx, store.Position(int32(after)))
}

func (s wraps32) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.Store.Subscribe(ctx, store.Position(int32(after)))
}

// wrapsSubscribe32 is wraps32 in Subscribe alone, so that the subscription's check is seen
// to fail on its own.
type wrapsSubscribe32 struct{ *memory.Store }

func (s wrapsSubscribe32) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.Store.Subscribe(ctx, store.Position(int32(after)))
}

// halfClosed fails with ErrClosed after Close in Append and the iterators, but its
// StreamVersion and AppendHandover then report success, writing nothing.
type halfClosed struct{ *memory.Store }

func (s halfClosed) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	v, err := s.Store.StreamVersion(ctx, stream)
	if errors.Is(err, store.ErrClosed) {
		return v, nil
	}
	return v, err
}

func (s halfClosed) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	a, evs, err := s.Store.AppendHandover(ctx, stream, expected, events...)
	if errors.Is(err, store.ErrClosed) {
		return a, evs, nil
	}
	return a, evs, err
}

// checksAtCreation checks whether it is closed when ReadAll's iterator is made, not when it
// runs: an iterator made on an open store yields the events there were then, whenever.
type checksAtCreation struct{ *memory.Store }

func (s checksAtCreation) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	if _, err := s.Head(ctx); errors.Is(err, store.ErrClosed) {
		return s.Store.ReadAll(ctx, after)
	}
	var evs []store.Event
	for e, err := range s.Store.ReadAll(ctx, after) {
		if err != nil {
			break
		}
		evs = append(evs, e)
	}
	return func(yield func(store.Event, error) bool) {
		for _, e := range evs {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// separateLimits holds data and metadata each to the limit, not their sum (the memory store
// underneath has a larger limit).
type separateLimits struct {
	*memory.Store
	limit int
}

func (s separateLimits) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	for _, e := range events {
		var b bytes.Buffer
		if err := json.Compact(&b, e.Data); err == nil && b.Len() > s.limit {
			return store.Appended{}, fmt.Errorf("%w: data too big", store.ErrInvalid)
		}
		m := 0
		for k, v := range e.Metadata {
			m += len(k) + len(v)
		}
		if m > s.limit {
			return store.Appended{}, fmt.Errorf("%w: metadata too big", store.ErrInvalid)
		}
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

// sharesReadAll yields ReadAll's callers the store's own events (as ReadAllShared does),
// which they then may change for everyone.
type sharesReadAll struct{ *memory.Store }

func (s sharesReadAll) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.ReadAllShared(ctx, after)
}

// Broken restarts, for durableReloading: each changes how an event reads back after a
// restart, as a store that encodes and decodes what it keeps would by mistake.

// eachEvent returns a restart that passes each event through f.
func eachEvent(f func(store.Event) store.Event) func([]store.Event) []store.Event {
	return func(events []store.Event) []store.Event {
		for i, e := range events {
			events[i] = f(e)
		}
		return events
	}
}

// losesLast loses the log's last event, as a recovery that cuts a torn tail one line too
// far back would.
func losesLast(events []store.Event) []store.Event {
	if len(events) == 0 {
		return events
	}
	return events[:len(events)-1]
}

// unescapesSlash turns \/ in data into /.
func unescapesSlash(e store.Event) store.Event {
	e.Data = bytes.ReplaceAll(e.Data, []byte(`\/`), []byte(`/`))
	return e
}

// escapesLineSeparator turns U+2028 in data into \u2028.
func escapesLineSeparator(e store.Event) store.Event {
	e.Data = bytes.ReplaceAll(e.Data, []byte("\u2028"), []byte(`\u2028`))
	return e
}

// flattensMetadata turns newlines in metadata values into spaces.
func flattensMetadata(e store.Event) store.Event {
	if e.Metadata != nil {
		m := make(map[string]string, len(e.Metadata))
		for k, v := range e.Metadata {
			m[k] = strings.ReplaceAll(v, "\n", " ")
		}
		e.Metadata = m
	}
	return e
}

// localZoneLive returns times in a zone other than UTC from ReadStream and Subscribe (the
// design says Event.Time is UTC). ReadAll is left correct.
type localZoneLive struct{ *memory.Store }

func (s localZoneLive) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return mapEvents(s.Store.ReadStream(ctx, stream, after), func(e store.Event) store.Event { e.Time = e.Time.In(time.FixedZone("UTC+1", 3600)); return e })
}

func (s localZoneLive) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return mapEvents(s.Store.Subscribe(ctx, after), func(e store.Event) store.Event { e.Time = e.Time.In(time.FixedZone("UTC+1", 3600)); return e })
}

// rawLive yields live subscribers (events committed after the subscription started) the
// data as the caller appended it, not compacted: as a store that fans appends out to its
// live subscribers from its append path before compaction would.
type rawLive struct {
	*memory.Store
	mu  *sync.Mutex
	raw map[store.Position][]byte
}

func (s rawLive) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	a, err := s.Store.Append(ctx, stream, expected, events...)
	if err == nil {
		s.mu.Lock()
		for i, e := range events {
			s.raw[a.Position-store.Position(len(events)-1-i)] = bytes.Clone(e.Data)
		}
		s.mu.Unlock()
	}
	return a, err
}

func (s rawLive) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		head, _ := s.Head(ctx)
		for e, err := range s.Store.Subscribe(ctx, after) {
			if err == nil && e.Position > head {
				s.mu.Lock()
				if r, ok := s.raw[e.Position]; ok {
					e.Data = bytes.Clone(r)
				}
				s.mu.Unlock()
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// sharedBacklog keeps, while any subscription is running, a copy of every event appended
// in one backlog shared by all subscriptions (as a fan-out queue trimmed only when the
// slowest subscriber has read it would): a stalled subscriber makes it grow without bound,
// with a copy of all the data appended, however many subscribers are stalled.
type sharedBacklog struct {
	*memory.Store
	mu      *sync.Mutex
	subs    *int
	backlog *[][]byte
}

func (s sharedBacklog) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	a, err := s.Store.Append(ctx, stream, expected, events...)
	if err == nil {
		s.mu.Lock()
		if *s.subs > 0 {
			for _, e := range events {
				*s.backlog = append(*s.backlog, bytes.Clone(e.Data))
			}
		}
		s.mu.Unlock()
	}
	return a, err
}

func (s sharedBacklog) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.Lock()
		*s.subs++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if *s.subs--; *s.subs == 0 {
				*s.backlog = nil
			}
			s.mu.Unlock()
		}()
		for e, err := range s.Store.Subscribe(ctx, after) {
			if !yield(e, err) {
				return
			}
		}
	}
}

// yieldsAfterClose hands out the rest of what it read before Close: ReadAll reads the whole
// log before yielding, and a second Close returns nil.
type yieldsAfterClose struct{ *memory.Store }

func (s yieldsAfterClose) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		var held []store.Event
		for e, err := range s.Store.ReadAll(ctx, after) {
			if err != nil {
				yield(e, err)
				return
			}
			held = append(held, e)
		}
		for _, e := range held {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s yieldsAfterClose) Close() error {
	_ = s.Store.Close()
	return nil
}

// silentWhenEmpty yields nothing, not even its context's error, when there is nothing to
// read, as the JSONL store's reads did before a review.
type silentWhenEmpty struct{ *memory.Store }

func (s silentWhenEmpty) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if v, err := s.Store.StreamVersion(context.WithoutCancel(ctx), stream); err == nil && v <= after {
			return
		}
		for e, err := range s.Store.ReadStream(ctx, stream, after) {
			if !yield(e, err) {
				return
			}
		}
	}
}

// checksArgumentsFirst refuses an append's arguments before it looks for Close.
type checksArgumentsFirst struct{ *memory.Store }

func (s checksArgumentsFirst) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	if stream == "" || len(events) == 0 {
		return store.Appended{}, fmt.Errorf("broken: %w", store.ErrInvalid)
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

// dropsWhenFarBehind feeds each subscription through a buffer of 4,096 events (the store's
// own, so it costs little memory, each copied as it is yielded) and drops the events that
// do not fit: a subscriber never blocks writers and holds bounded memory, but one that falls
// further behind than the buffer loses events.
type dropsWhenFarBehind struct{ *memory.Store }

func (s dropsWhenFarBehind) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type item struct {
			e   store.Event
			err error
		}
		buf := make(chan item, 4096)
		go func() {
			defer close(buf)
			for e, err := range s.SubscribeShared(ctx, after) {
				if err != nil {
					select {
					case buf <- item{e, err}:
					case <-ctx.Done():
					}
					return
				}
				select {
				case buf <- item{e, nil}:
				default: // full: the event is lost
				}
			}
		}()
		for it := range buf {
			if it.err == nil {
				if _, err := s.Head(ctx); err != nil { // closed, or the context ended
					yield(store.Event{}, err)
					return
				}
				it.e.Data = bytes.Clone(it.e.Data)
				it.e.Metadata = maps.Clone(it.e.Metadata)
			}
			if !yield(it.e, it.err) || it.err != nil {
				return
			}
		}
		yield(store.Event{}, ctx.Err()) // the pump stopped for the context
	}
}

// appendEventsHandsOver takes the events of AppendEvents as handed over: the store keeps
// the caller's Data and Metadata, which the caller may still change.
type appendEventsHandsOver struct{ *memory.Store }

func (s appendEventsHandsOver) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.AppendHandover(ctx, stream, expected, events...)
}

// appendEventsMisnumbered returns the events of AppendEvents with the positions they would
// have in their stream, not in the log.
type appendEventsMisnumbered struct{ *memory.Store }

func (s appendEventsMisnumbered) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	a, evs, err := s.Store.AppendEvents(ctx, stream, expected, events...)
	for i := range evs {
		evs[i].Position = store.Position(evs[i].Version)
	}
	return a, evs, err
}

// sharesTypes yields ReadAllTypes's callers the store's own events (ReadAllShared
// filtered), which they then may change for everyone.
type sharesTypes struct{ *memory.Store }

func (s sharesTypes) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range s.ReadAllShared(ctx, after) {
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			if slices.Contains(types, e.Type) && !yield(e, nil) {
				return
			}
		}
	}
}

// leaksReadAhead reads ahead on another goroutine once a ReadAll has yielded 1,000 events,
// and stops that goroutine only when the context ends, not when the caller stops early.
type leaksReadAhead struct{ *memory.Store }

func (s leaksReadAhead) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		n, last := 0, after
		for e, err := range s.Store.ReadAll(ctx, after) {
			if !yield(e, err) || err != nil {
				return
			}
			last = e.Position
			if n++; n == 1000 {
				break
			}
		}
		if n < 1000 {
			return
		}
		ahead := make(chan store.Event)
		go func() {
			defer close(ahead)
			for e, err := range s.Store.ReadAll(ctx, last) {
				if err != nil {
					return
				}
				select {
				case ahead <- e:
				case <-ctx.Done():
					return
				}
			}
		}()
		for e := range ahead {
			if !yield(e, nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(store.Event{}, err)
		}
	}
}

// lockedLiveYield holds a lock that appends need while a subscriber handles an event
// committed after the subscription began (as a store that hands new events to its live
// subscribers under its write lock would), so a live subscriber that stops reading, or
// appends from its loop, blocks every writer.
type lockedLiveYield struct{ lockedYield } // lockedYield's Append; a Subscribe of its own

func (s lockedLiveYield) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		head, err := s.Head(ctx)
		if err != nil {
			yield(store.Event{}, err)
			return
		}
		for e, err := range s.Store.Subscribe(ctx, after) {
			live := err == nil && e.Position > head
			if live {
				s.mu.RLock()
			}
			ok := yield(e, err)
			if live {
				s.mu.RUnlock()
			}
			if !ok {
				return
			}
		}
	}
}

// refusesNegative refuses a position or version below 0 in ReadStream, ReadAll and
// Subscribe instead of reading from the start.
type refusesNegative struct{ *memory.Store }

func refused(yield func(store.Event, error) bool) {
	yield(store.Event{}, fmt.Errorf("broken: negative: %w", store.ErrInvalid))
}

func (s refusesNegative) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	if after < 0 {
		return refused
	}
	return s.Store.ReadStream(ctx, stream, after)
}

func (s refusesNegative) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	if after < 0 {
		return refused
	}
	return s.Store.ReadAll(ctx, after)
}

func (s refusesNegative) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	if after < 0 {
		return refused
	}
	return s.Store.Subscribe(ctx, after)
}

// typesAtCreation reads what ReadAllTypes yields when its iterator is made, as
// checksAtCreation does for ReadAll: an iterator made before Close, or running when it
// returns, hands out what the log held then.
type typesAtCreation struct{ *memory.Store }

func (s typesAtCreation) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return replay(collectAll(s.Store.ReadAllTypes(ctx, after, types)))
}

// typesWithoutCommonBound reads each type on its own, one event per read, and merges
// them by position; a type whose reads found nothing more is done. Nothing bounds them
// all, so an event appended meanwhile is missed by a type already done and yielded by
// another: not a prefix of the log (the PostgreSQL store's paged reads before a review).
type typesWithoutCommonBound struct{ *memory.Store }

func (s typesWithoutCommonBound) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		type cursor struct {
			typ  string
			next store.Event
			done bool
		}
		fetch := func(c *cursor, after store.Position) error {
			for e, err := range s.Store.ReadAllTypes(ctx, after, []string{c.typ}) {
				if err != nil {
					return err
				}
				c.next = e
				return nil
			}
			c.done = true
			return nil
		}
		var cursors []*cursor
		for _, t := range slices.Compact(slices.Sorted(slices.Values(types))) {
			c := &cursor{typ: t}
			if err := fetch(c, after); err != nil {
				yield(store.Event{}, err)
				return
			}
			cursors = append(cursors, c)
		}
		for {
			var low *cursor
			for _, c := range cursors {
				if !c.done && (low == nil || c.next.Position < low.next.Position) {
					low = c
				}
			}
			if low == nil {
				return
			}
			if !yield(low.next, nil) {
				return
			}
			if err := fetch(low, low.next.Position); err != nil {
				yield(store.Event{}, err)
				return
			}
		}
	}
}

// writesWhenCanceled writes an append whose context has ended, then fails it with the
// context's error, from its second such append on: as a store might that hands appends to
// an idle committer in a select that also waits for the context, and so picks either.
type writesWhenCanceled struct {
	*memory.Store
	canceled *atomic.Int64
}

func (s writesWhenCanceled) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	if ctx.Err() != nil && s.canceled.Add(1) > 1 {
		_, _ = s.Store.Append(context.WithoutCancel(ctx), stream, expected, events...)
		return store.Appended{}, ctx.Err()
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

// replay yields evs, then err when it is not nil: what a read gave when it ran, handed out
// later.
func replay(evs []store.Event, err error) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for _, e := range evs {
			if !yield(e, nil) {
				return
			}
		}
		if err != nil {
			yield(store.Event{}, err)
		}
	}
}

// collectAll drains seq, returning its events and the first error.
func collectAll(seq iter.Seq2[store.Event, error]) ([]store.Event, error) {
	var evs []store.Event
	for e, err := range seq {
		if err != nil {
			return evs, err
		}
		evs = append(evs, e)
	}
	return evs, nil
}

// readsStreamAtCall reads the stream when ReadStream is called, not when its iterator is
// ranged over: an event committed in between is missed.
type readsStreamAtCall struct{ *memory.Store }

func (s readsStreamAtCall) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return replay(collectAll(s.Store.ReadStream(ctx, stream, after)))
}

// chasesHead's ReadAll reads on after the head its iteration began at, until a read finds
// nothing new: a store may, but not one whose harness says its reads end there.
type chasesHead struct{ *memory.Store }

func (s chasesHead) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for {
			more := false
			for e, err := range s.Store.ReadAll(ctx, after) {
				if !yield(e, err) || err != nil {
					return
				}
				after, more = e.Position, true
			}
			if !more {
				return
			}
		}
	}
}

// streamTypesFromStart's ReadStreamTypes reads the stream's events of the types from its
// start, whatever version it is asked to read after.
type streamTypesFromStart struct{ *memory.Store }

func (s streamTypesFromStart) ReadStreamTypes(ctx context.Context, stream string, _ store.Version, types []string) iter.Seq2[store.Event, error] {
	return s.Store.ReadStreamTypes(ctx, stream, 0, types)
}

// remembersRefused counts a stream as existing once an append has named it, also one that
// was refused, so that StreamExists then passes on a stream with no events.
type remembersRefused struct {
	*memory.Store
	mu    *sync.Mutex
	named map[string]bool
}

func (s remembersRefused) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if expected == store.StreamExists && s.named[stream] {
		expected = store.Any
	}
	s.named[stream] = true
	return s.Store.Append(ctx, stream, expected, events...)
}

// versionsByAppend answers StreamVersion from versions of its own that Append keeps and
// AppendEvents forgets: one write path that misses a cache.
type versionsByAppend struct {
	*memory.Store
	mu       *sync.Mutex
	versions map[string]store.Version
}

func (s versionsByAppend) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.Store.Append(ctx, stream, expected, events...)
	if err == nil {
		s.versions[stream] = a.Version
	}
	return a, err
}

func (s versionsByAppend) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	if _, err := s.Store.StreamVersion(ctx, stream); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions[stream], nil
}

// headCache answers Head and StreamVersion from values each append stores after it has
// committed, the last to store winning, as a store that caches its head outside the lock
// that orders its appends would: an append that took an earlier position but stores later
// moves them back. One append at a time, they are always right.
type headCache struct {
	*memory.Store
	head     *atomic.Int64
	versions *sync.Map // stream → store.Version
}

func newHeadCache(s *memory.Store) headCache {
	return headCache{s, new(atomic.Int64), new(sync.Map)}
}

func (s headCache) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	a, err := s.Store.Append(ctx, stream, expected, events...)
	if err == nil {
		runtime.Gosched() // the window in which a later append stores first
		s.head.Store(int64(a.Position))
		s.versions.Store(stream, a.Version)
	}
	return a, err
}

func (s headCache) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	a, evs, err := s.Store.AppendEvents(ctx, stream, expected, events...)
	if err == nil {
		runtime.Gosched()
		s.head.Store(int64(a.Position))
		s.versions.Store(stream, a.Version)
	}
	return a, evs, err
}

func (s headCache) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.AppendEvents(ctx, stream, expected, events...)
}

func (s headCache) Head(ctx context.Context) (store.Position, error) {
	p, err := s.Store.Head(ctx)
	if c := store.Position(s.head.Load()); err == nil && c != 0 {
		return c, nil
	}
	return p, err
}

func (s headCache) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	v, err := s.Store.StreamVersion(ctx, stream)
	if c, ok := s.versions.Load(stream); err == nil && ok {
		return c.(store.Version), nil
	}
	return v, err
}

// commitsOutOfOrder takes positions in order, under a lock, but makes each append's
// events visible after it has released the lock, so that a later position can become
// visible before an earlier one, as with positions from a sequence in a SQL event store;
// its reads skip the positions not yet visible (as a query sees only committed rows), and
// its subscriptions read on from the last position they yielded, so that a subscriber that
// read P+1 before P was visible never gets P: the classic sequence-gap bug.
type commitsOutOfOrder struct {
	inner  *memory.Store
	mu     *sync.Mutex // orders appends
	hidden *hiddenPositions
}

// hiddenPositions are positions taken but not yet visible.
type hiddenPositions struct {
	mu      sync.Mutex
	hidden  map[store.Position]bool
	changed chan struct{} // closed, and replaced, when a position becomes visible
}

func newCommitsOutOfOrder(s *memory.Store) commitsOutOfOrder {
	return commitsOutOfOrder{s, new(sync.Mutex), &hiddenPositions{hidden: map[store.Position]bool{}, changed: make(chan struct{})}}
}

func (h *hiddenPositions) set(from, to store.Position, hide bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := from; p <= to; p++ {
		if hide {
			h.hidden[p] = true
		} else {
			delete(h.hidden, p)
		}
	}
	if !hide {
		close(h.changed)
		h.changed = make(chan struct{})
	}
}

func (h *hiddenPositions) is(p store.Position) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hidden[p]
}

func (h *hiddenPositions) wait() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.changed
}

func (s commitsOutOfOrder) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	var a store.Appended
	err := s.commit(ctx, len(events), func() (err error) {
		a, err = s.inner.Append(ctx, stream, expected, events...)
		return err
	})
	return a, err
}

func (s commitsOutOfOrder) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	var (
		a   store.Appended
		evs []store.Event
	)
	err := s.commit(ctx, len(events), func() (err error) {
		a, evs, err = s.inner.AppendEvents(ctx, stream, expected, events...)
		return err
	})
	return a, evs, err
}

func (s commitsOutOfOrder) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.AppendEvents(ctx, stream, expected, events...)
}

// commit takes the positions of an append of n events, made by write, under the lock, and
// makes them visible after it has released it.
func (s commitsOutOfOrder) commit(ctx context.Context, n int, write func() error) error {
	s.mu.Lock()
	head, err := s.inner.Head(ctx)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	from, to := head+1, head+store.Position(n)
	s.hidden.set(from, to, true)
	if err := write(); err != nil {
		s.hidden.set(from, to, false) // it took no position
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	runtime.Gosched() // the commit, after the lock
	s.hidden.set(from, to, false)
	return nil
}

// Head is the last position visible.
func (s commitsOutOfOrder) Head(ctx context.Context) (store.Position, error) {
	p, err := s.inner.Head(ctx)
	for err == nil && p > 0 && s.hidden.is(p) {
		p--
	}
	return p, err
}

// visible yields what seq yields but the events not yet visible.
func (s commitsOutOfOrder) visible(seq iter.Seq2[store.Event, error]) iter.Seq2[store.Event, error] {
	return skipPositions(seq, s.hidden.is)
}

// skipPositions yields what seq yields but the events at the positions skip reports.
func skipPositions(seq iter.Seq2[store.Event, error], skip func(store.Position) bool) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range seq {
			if err == nil && skip(e.Position) {
				continue
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

func (s commitsOutOfOrder) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return s.visible(s.inner.ReadStream(ctx, stream, after))
}

func (s commitsOutOfOrder) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.visible(s.inner.ReadAll(ctx, after))
}

func (s commitsOutOfOrder) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for {
			changed := s.hidden.wait()
			for e, err := range s.ReadAll(ctx, after) {
				if !yield(e, err) || err != nil {
					return
				}
				after = e.Position
			}
			select {
			case <-changed:
			case <-ctx.Done():
				yield(store.Event{}, ctx.Err())
				return
			}
		}
	}
}

func (s commitsOutOfOrder) Close() error { return s.inner.Close() }

// countsInFlight checks an append's expected version against the appends in flight, not
// only the committed ones, as the JSONL store does (and documents): a conflict may report a
// version that readers do not see yet. Each append commits after it has released the lock
// its check holds, in the order of the checks.
type countsInFlight struct {
	*memory.Store
	mu       *sync.Mutex // held for the check
	commits  *sync.Mutex // held while committing, taken under mu so commits keep its order
	versions map[string]store.Version
}

func newCountsInFlight(s *memory.Store) countsInFlight {
	return countsInFlight{s, new(sync.Mutex), new(sync.Mutex), map[string]store.Version{}}
}

func (s countsInFlight) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	a, _, err := s.append(ctx, stream, expected, events, func() (store.Appended, []store.Event, error) {
		a, err := s.Store.Append(ctx, stream, store.Any, events...)
		return a, nil, err
	})
	return a, err
}

func (s countsInFlight) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.append(ctx, stream, expected, events, func() (store.Appended, []store.Event, error) {
		return s.Store.AppendEvents(ctx, stream, store.Any, events...)
	})
}

func (s countsInFlight) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.AppendEvents(ctx, stream, expected, events...)
}

func (s countsInFlight) append(ctx context.Context, stream string, expected store.Version, events []store.EventData, commit func() (store.Appended, []store.Event, error)) (store.Appended, []store.Event, error) {
	if _, err := store.Prepare(stream, expected, events, store.DefaultMaxEventSize); err != nil || ctx.Err() != nil {
		return s.Store.AppendEvents(ctx, stream, expected, events...) // the memory store's error
	}
	s.mu.Lock()
	v, ok := s.versions[stream]
	if !ok {
		var err error
		if v, err = s.Store.StreamVersion(ctx, stream); err != nil {
			s.mu.Unlock()
			return store.Appended{}, nil, err
		}
	}
	if err := store.CheckVersion(stream, expected, v); err != nil {
		s.mu.Unlock()
		return store.Appended{}, nil, fmt.Errorf("broken: %w", err)
	}
	s.versions[stream] = v + store.Version(len(events))
	s.commits.Lock()
	s.mu.Unlock()
	defer s.commits.Unlock()
	runtime.Gosched() // the write, while the next appends are checked
	return commit()
}

// publishesEarly hands each append's events to subscribers as soon as they are written,
// but lets readers (ReadStream, ReadAll) see them only once the append is
// about to return, as a store that fans appends out before it has made them readable would:
// a subscriber can yield an event that a read begun after it then misses. One append at a
// time, reads never miss one.
//
// The window is held open until a subscriber has handed the append's last event on and two
// reads began after that (or for at most publishWindow): a window of one yield of the
// processor let the history check pass for this store in about one run of 200 on a busy
// machine, no read having begun in it.
type publishesEarly struct {
	inner    *memory.Store
	mu       *sync.Mutex   // orders appends
	readable *atomic.Int64 // the last position readers see
	handed   *atomic.Int64 // the last position a subscriber handed on (its yield returned)
	reads    *atomic.Int64 // reads begun
}

// publishWindow bounds how long an append of publishesEarly holds its window open.
const publishWindow = 100 * time.Millisecond

func newPublishesEarly(s *memory.Store) publishesEarly {
	readable := new(atomic.Int64)
	head, _ := s.Head(context.Background()) // what a restart reloaded
	readable.Store(int64(head))
	return publishesEarly{s, new(sync.Mutex), readable, new(atomic.Int64), new(atomic.Int64)}
}

func (s publishesEarly) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	a, _, err := s.append(func() (store.Appended, []store.Event, error) {
		a, err := s.inner.Append(ctx, stream, expected, events...)
		return a, nil, err
	})
	return a, err
}

func (s publishesEarly) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.append(func() (store.Appended, []store.Event, error) {
		return s.inner.AppendEvents(ctx, stream, expected, events...)
	})
}

func (s publishesEarly) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	return s.AppendEvents(ctx, stream, expected, events...)
}

func (s publishesEarly) append(write func() (store.Appended, []store.Event, error)) (store.Appended, []store.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, evs, err := write() // subscribers of the memory store get the events now
	if err == nil {
		// The window in which only subscribers have them.
		deadline := time.Now().Add(publishWindow)
		for s.handed.Load() < int64(a.Position) && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		for begun := s.reads.Load(); s.reads.Load() < begun+2 && time.Now().Before(deadline); {
			runtime.Gosched()
		}
		s.readable.Store(int64(a.Position))
	}
	return a, evs, err
}

// upToReadable yields what seq yields up to the last readable position.
func (s publishesEarly) upToReadable(seq iter.Seq2[store.Event, error]) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.reads.Add(1)
		limit := store.Position(s.readable.Load())
		for e, err := range skipPositions(seq, func(p store.Position) bool { return p > limit }) {
			if !yield(e, err) {
				return
			}
		}
	}
}

func (s publishesEarly) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return s.upToReadable(s.inner.ReadStream(ctx, stream, after))
}

func (s publishesEarly) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.upToReadable(s.inner.ReadAll(ctx, after))
}

func (s publishesEarly) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range s.inner.Subscribe(ctx, after) {
			if !yield(e, err) {
				return
			}
			if err == nil {
				for h := s.handed.Load(); h < int64(e.Position) && !s.handed.CompareAndSwap(h, int64(e.Position)); h = s.handed.Load() {
				}
			}
		}
	}
}

func (s publishesEarly) Close() error { return s.inner.Close() }

// losesAll loses the whole log, as a restart that opens an empty directory would.
func losesAll([]store.Event) []store.Event { return nil }

// emptyReadAll's ReadAll yields nothing.
type emptyReadAll struct{ *memory.Store }

func (emptyReadAll) ReadAll(context.Context, store.Position) iter.Seq2[store.Event, error] {
	return func(func(store.Event, error) bool) {}
}

// timesGoBack yields each event dated an hour before the one before it, as a store that
// stamps events with a clock stepped back between its appends would.
type timesGoBack struct{ *memory.Store }

func (s timesGoBack) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return backdated(s.Store.ReadAll(ctx, after))
}

func (s timesGoBack) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return backdated(s.Store.ReadStream(ctx, stream, after))
}

func (s timesGoBack) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return backdated(s.Store.Subscribe(ctx, after))
}

// backdated moves each event's time back by as many hours as its position.
func backdated(seq iter.Seq2[store.Event, error]) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range seq {
			if err == nil {
				e.Time = e.Time.Add(-time.Duration(e.Position) * time.Hour)
			}
			if !yield(e, err) {
				return
			}
		}
	}
}
