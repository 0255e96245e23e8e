package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

func TestWithMaxEventSize(t *testing.T) {
	ctx := t.Context()
	s := memory.New(memory.WithMaxEventSize(10))
	defer s.Close()
	tests := []struct {
		data string
		ok   bool
	}{
		{`"123456"`, true},   // 8 bytes, and 2 of stream id and type
		{`"1234567"`, false}, // 9 bytes
	}
	for _, tt := range tests {
		_, err := s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(tt.data)})
		if tt.ok && err != nil {
			t.Errorf("Append(%s) = %v, want success", tt.data, err)
		}
		if !tt.ok && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Append(%s) = %v, want ErrInvalid", tt.data, err)
		}
	}
}

func TestWithClock(t *testing.T) {
	ctx := t.Context()
	local := time.Date(2026, 3, 4, 5, 6, 7, 8, time.FixedZone("UTC+2", 2*3600))
	tests := []struct {
		name string
		opt  memory.Option
		want func(time.Time) bool
	}{
		{"clock readings are stored in UTC", memory.WithClock(func() time.Time { return local }),
			func(got time.Time) bool { return got.Equal(local) && got.Location() == time.UTC }},
		{"a nil clock keeps the default", memory.WithClock(nil),
			func(got time.Time) bool { return !got.IsZero() && got.Location() == time.UTC }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := memory.New(tt.opt)
			defer s.Close()
			if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			for e, err := range s.ReadAll(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				if !tt.want(e.Time) {
					t.Errorf("event time = %v", e.Time)
				}
			}
		})
	}
}

func TestStore_Close(t *testing.T) {
	s := memory.New()
	if err := s.Close(); err != nil {
		t.Fatalf("first Close = %v", err)
	}
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
}

func TestStore_Head(t *testing.T) {
	s := memory.New()
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Head(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Head with a canceled context = %v, want context.Canceled", err)
	}
}

func TestStore_NegativeAfter(t *testing.T) {
	ctx := t.Context()
	s := memory.New()
	defer s.Close()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}, store.EventData{Type: "T", Data: []byte(`2`)}); err != nil {
		t.Fatal(err)
	}
	count := func(seq func(func(store.Event, error) bool)) int {
		n := 0
		for _, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 2 {
				break // Subscribe would wait for more
			}
		}
		return n
	}
	for name, n := range map[string]int{
		"ReadStream": count(s.ReadStream(ctx, "s", -5)),
		"ReadAll":    count(s.ReadAll(ctx, -5)),
		"Subscribe":  count(s.Subscribe(ctx, -5)),
	} {
		if n != 2 {
			t.Errorf("%s from a negative version or position yielded %d events, want 2 (as from 0)", name, n)
		}
	}
}

func TestStore_SubscribePastTheHead(t *testing.T) {
	ctx := t.Context()
	s := memory.New()
	defer s.Close()
	appendOne := func() {
		t.Helper()
		if _, err := s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne()
	got := make(chan store.Position, 1)
	go func() {
		for e, err := range s.Subscribe(ctx, 3) {
			if err == nil {
				got <- e.Position
			}
			return
		}
	}()
	for range 3 {
		appendOne()
	}
	if p := <-got; p != 4 {
		t.Errorf("Subscribe(3) on a log at 1 first yielded position %d, want 4", p)
	}
}

// A subscriber that stops reading holds only a cursor: appends made while it is stalled
// allocate exactly as much as appends with no subscriber at all.
func TestStore_StalledSubscriberCostsNothing(t *testing.T) {
	ctx := t.Context()
	s := memory.New()
	defer s.Close()
	ev := store.EventData{ID: "id", Type: "T", Data: []byte(`{"k":1}`)}
	appendOne := func() {
		if _, err := s.Append(ctx, "s", store.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 * 512 { // fill whole chunks: the next one is allocated in the first warm-up run
		appendOne()
	}
	// Given no subscriber.
	alone := testing.AllocsPerRun(100, appendOne)

	// Given a subscriber stalled on its first event.
	stalled, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range s.Subscribe(ctx, 0) {
			close(stalled)
			<-release
			return
		}
	}()
	<-stalled
	withStalled := testing.AllocsPerRun(100, appendOne)
	close(release)
	<-done

	if withStalled > alone {
		t.Errorf("an append allocates %.1f times with a stalled subscriber, %.1f without", withStalled, alone)
	}
}
