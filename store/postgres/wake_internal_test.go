package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// A Store's own appends and imports wake its caught-up subscribers themselves, without
// waiting for their notification to come back from the database (here it never does: the
// store notifies a channel nobody listens on, and its poll interval is longer than the
// test).
func TestStore_ownCommitsWakeSubscribers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		commit func(ctx context.Context, s *Store, p store.Position) error
	}{
		{"append", func(ctx context.Context, s *Store, p store.Position) error {
			_, err := s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
			return err
		}},
		{"import", func(ctx context.Context, s *Store, p store.Position) error {
			_, err := s.Import(ctx, []store.Event{{ID: fmt.Sprint("e", p), StreamID: "s", Version: store.Version(p),
				Position: p, Type: "T", Time: time.Now(), Data: []byte(`{}`)}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.URL(t)
			s, err := Open(t.Context(), url, WithSchema(pgtest.Schema(t, url)), WithPollInterval(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			// Set before the first append, which hands it to the committer.
			s.channel = "eventgraph:nobody-listens"
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			got := make(chan store.Position)
			go func() {
				for e, err := range s.Subscribe(ctx, 0) {
					if err != nil {
						return
					}
					select {
					case got <- e.Position:
					case <-ctx.Done():
						return
					}
				}
			}()
			for p := store.Position(1); p <= 3; p++ {
				if err := tc.commit(ctx, s, p); err != nil {
					t.Fatal(err)
				}
				select {
				case g := <-got:
					if g != p {
						t.Fatalf("got position %d, want %d", g, p)
					}
				case <-ctx.Done():
					t.Fatalf("the subscriber did not get position %d of its own store's %s", p, tc.name)
				}
			}
		})
	}
}
