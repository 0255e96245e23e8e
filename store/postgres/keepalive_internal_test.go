package postgres

import (
	"context"
	"testing"
)

// The store's connections ask the server for TCP keepalives: a client that vanished while
// its append held the log's append lock (half a group sent) held it for the two hours of the
// kernel's defaults, and every other server's appends failed meanwhile.
func TestOpen_setsServerKeepalives(t *testing.T) {
	s, _ := openFresh(t)
	ctx := context.Background()
	for name, want := range keepalives() {
		var unix bool
		if err := s.pool.QueryRow(ctx, "SELECT inet_client_addr() IS NULL").Scan(&unix); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := s.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if unix {
			t.Logf("connected over a Unix socket, where %s reads 0 (%s)", name, got)
			continue
		}
		if got != want && got != want+"s" {
			t.Errorf("%s = %q, want %s", name, got, want)
		}
	}
}
