package graphtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func TestSubscribeSSE_ParsesEventsCommentsAndComplete(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ":\n\n: ping\n\n")
		fmt.Fprint(w, "event: next\ndata: {\"data\":{\"n\":1}}\n\n")
		fmt.Fprint(w, "event: next\ndata: {\"data\":null,\n")
		fmt.Fprint(w, "data: \"errors\":[{\"message\":\"m\",\"extensions\":{\"code\":\"NOT_FOUND\"}}]}\n\n")
		fmt.Fprint(w, "event: complete\n\n")
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sub, err := graphtest.New(srv.URL).SubscribeSSE(ctx, "subscription { n }", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	r, err := sub.Next(ctx)
	if err != nil || string(r.Data) != `{"n":1}` {
		t.Fatalf("first: %v %v", r, err)
	}
	r, err = sub.Next(ctx)
	if err != nil || r.Code() != "NOT_FOUND" {
		t.Fatalf("second: %v %v", r, err)
	}
	if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after complete: %v", err)
	}
}

func TestQuery_KeepsErrorExtensions(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"errors":[{"message":"bad","path":["a",0],"extensions":{"code":"BAD_USER_INPUT","field":"a"}}]}`)
	}))
	defer srv.Close()
	r, err := graphtest.New(srv.URL).Query(context.Background(), "{ a }", map[string]any{"x": 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusUnprocessableEntity || r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "a" {
		t.Fatalf("got %+v", r)
	}
	if r.Err() == nil || r.Decode(&struct{}{}) == nil {
		t.Fatal("a response with errors decoded without error")
	}
}
