package postgres

import (
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// A URL that sets a keepalive setting keeps its own; the store sets only the others.
func TestOpen_keepsTheURLsKeepalives(t *testing.T) {
	url := pgtest.URL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	s, err := Open(t.Context(), url+sep+"tcp_keepalives_idle=45", WithSchema(pgtest.Schema(t, url)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var unix bool
	if err := s.pool.QueryRow(t.Context(), "SELECT inet_client_addr() IS NULL").Scan(&unix); err != nil {
		t.Fatal(err)
	}
	if unix {
		t.Skip("connected over a Unix socket, where the keepalive settings read 0")
	}
	want := map[string]string{"tcp_keepalives_idle": "45"}
	for name, value := range keepalives() {
		if _, set := want[name]; !set {
			want[name] = value
		}
	}
	for name, w := range want {
		var got string
		if err := s.pool.QueryRow(t.Context(), "SELECT current_setting($1)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w && got != w+"s" {
			t.Errorf("%s = %q, want %s", name, got, w)
		}
	}
}
