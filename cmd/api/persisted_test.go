package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
)

// TestMain_persistedQueries checks that --persisted-queries reaches the handler: on by
// default (a query sent once with its hash is then served by hash alone, by GET too), off
// with 0.
func TestMain_persistedQueries(t *testing.T) {
	const query = `{ status { head } }`
	sum := sha256.Sum256([]byte(query))
	ext := `{"persistedQuery": {"version": 1, "sha256Hash": "` + hex.EncodeToString(sum[:]) + `"}}`
	byHash := func(m *Main) exchange {
		return send(t, http.MethodGet, m.URL()+"/graphql?"+url.Values{"extensions": {ext}}.Encode(), "", nil)
	}

	on, _ := startMain(t, "--store", "memory")
	if x := byHash(on); x.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("an unknown hash: %d %s; want PERSISTED_QUERY_NOT_FOUND", x.status, x.body)
	}
	if x := send(t, http.MethodPost, on.URL()+"/graphql", `{"query": "`+query+`", "extensions": `+ext+`}`, nil); x.status != http.StatusOK || x.code() != "" {
		t.Fatalf("the query with its hash: %d %s", x.status, x.body)
	}
	if x := byHash(on); x.status != http.StatusOK || x.code() != "" || x.gql.Data == nil {
		t.Fatalf("the hash alone, after: %d %s; want the query's data", x.status, x.body)
	}

	off, _ := startMain(t, "--store", "memory", "--persisted-queries", "0")
	if x := byHash(off); x.code() != "PERSISTED_QUERY_NOT_SUPPORTED" {
		t.Fatalf("a hash with --persisted-queries 0: %d %s; want PERSISTED_QUERY_NOT_SUPPORTED", x.status, x.body)
	}
}
