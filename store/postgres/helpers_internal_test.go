package postgres

import (
	"context"
	"testing"

	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// openFresh opens a store on a fresh schema of the test database, closed when the test ends
// (before the schema is dropped: cleanups run last first), and returns it with the URL.
func openFresh(t *testing.T) (*Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	s, err := Open(context.Background(), url, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}
