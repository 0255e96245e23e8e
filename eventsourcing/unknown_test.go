package eventsourcing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// A stream holding an event of a type the codec does not handle: a renamed event whose
// upcaster was forgotten. Here "CounterBumped" once added 100; skipped, the counter looks
// 100 lower than its history made it.
func streamWithUnknownEvent(t *testing.T) store.Store {
	t.Helper()
	s := newStore(t)
	mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
	if _, err := s.Append(context.Background(), "counter-a", 1, store.EventData{Type: "CounterBumped", Data: []byte(`{"n":100}`)}); err != nil {
		t.Fatal(err)
	}
	return s
}

// By default the fold skips the event, and the handler warns once per type, so that a
// forgotten upcaster shows in the log.
func TestHandler_unknownEventTypeSkippedWithAWarning(t *testing.T) {
	s := streamWithUnknownEvent(t)
	var logs bytes.Buffer
	h := newCounterHandler(s, eventsourcing.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), eventsourcing.WithStateCache(0))
	for range 2 {
		mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want 1 (once per type); log:\n%s", n, logs.String())
	}
	for _, want := range []string{"type=CounterBumped", "stream=counter-a", "version=2"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("warning lacks %q: %s", want, logs.String())
		}
	}
}

// The handler remembers the types it warned of, up to MaxSkippedTypes of them: past them it
// warns of no new type, so that a log of ever new type names does not grow its memory.
func TestHandler_unknownEventTypesWarnedOfAreBounded(t *testing.T) {
	s := newStore(t)
	mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
	unknown := make([]store.EventData, eventsourcing.MaxSkippedTypes+2)
	for i := range unknown {
		unknown[i] = store.EventData{Type: fmt.Sprintf("CounterBumped%d", i), Data: []byte(`{}`)}
	}
	if _, err := s.Append(context.Background(), "counter-a", 1, unknown...); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := newCounterHandler(s, eventsourcing.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	if n := strings.Count(logs.String(), "level=WARN"); n != eventsourcing.MaxSkippedTypes {
		t.Fatalf("%d warnings, want %d: one for each of the first types, none past them", n, eventsourcing.MaxSkippedTypes)
	}
	last := fmt.Sprintf("type=CounterBumped%d\n", eventsourcing.MaxSkippedTypes-1)
	if !strings.Contains(logs.String(), last) || strings.Contains(logs.String(), fmt.Sprintf("type=CounterBumped%d\n", eventsourcing.MaxSkippedTypes)) {
		t.Errorf("warned of other types than the first %d", eventsourcing.MaxSkippedTypes)
	}
}

// Refused, the command fails with an *UnknownEventError, writes nothing, and is not
// transient: it fails again until the codec handles the type.
func TestHandler_unknownEventTypeRefused(t *testing.T) {
	s := streamWithUnknownEvent(t)
	h := newCounterHandler(s, eventsourcing.WithUnknownEventsRefused())
	_, err := h.Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	var ue *eventsourcing.UnknownEventError
	if !errors.As(err, &ue) || *ue != (eventsourcing.UnknownEventError{Stream: "counter-a", Version: 2, Type: "CounterBumped"}) {
		t.Fatalf("Handle: %v; want an *UnknownEventError for event 2 of counter-a", err)
	}
	if eventsourcing.IsTransient(err) {
		t.Errorf("IsTransient(%v) = true, want false", err)
	}
	if n := len(readAll(t, s)); n != 2 {
		t.Fatalf("log has %d events, want 2 (nothing written)", n)
	}
	// Another stream, of known types only, is served.
	mustHandle(t, h, createCounter{ID: "b"}, eventsourcing.Meta{})
}

// A snapshot made by a handler that skipped the unknown event must not let a refusing
// handler past it: the option is turned on exactly when a forgotten upcaster is suspected.
func TestHandler_unknownEventTypeRefusedDespiteAnOlderSnapshot(t *testing.T) {
	s := streamWithUnknownEvent(t)
	old := newCounterHandler(s, eventsourcing.WithSnapshots(2, "v1"), eventsourcing.WithLogger(slog.New(slog.DiscardHandler)))
	mustHandle(t, old, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{}) // version 3
	mustHandle(t, old, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{}) // version 4: a snapshot
	if _, ok, err := s.(store.Snapshotter).Snapshot(context.Background(), "counter-a"); !ok || err != nil {
		t.Fatalf("no snapshot of counter-a (%v): the test needs one", err)
	}
	refusing := newCounterHandler(s, eventsourcing.WithSnapshots(2, "v1"), eventsourcing.WithUnknownEventsRefused())
	_, err := refusing.Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	if _, ok := errors.AsType[*eventsourcing.UnknownEventError](err); !ok {
		t.Fatalf("Handle: %v; want an *UnknownEventError, the snapshot made without the refusal ignored", err)
	}
}
