package graph

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/eventgraph/eventgraph/decider"
)

// TestRequestID_internalErrorsNameIt: every INTERNAL_SERVER_ERROR the endpoint makes (a
// resolver's failure, a panic, a subscription that fails over a WebSocket or SSE, a
// subscription start the store did not answer, a response that could not be encoded) names the request's id when its context has
// one, and only then; other codes do not need it.
func TestRequestID_internalErrorsNameIt(t *testing.T) {
	p := presenter{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := WithRequestID(context.Background(), "req-1")
	sse := func(ctx context.Context) map[string]any {
		data, _ := strings.CutPrefix(string(failedEvent(ctx)), "event: next\ndata: ")
		var r struct {
			Errors []struct{ Extensions map[string]any }
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &r); err != nil || len(r.Errors) != 1 {
			t.Fatalf("failed event %q: %v", failedEvent(ctx), err)
		}
		return r.Errors[0].Extensions
	}
	unencodable := func(ctx context.Context) map[string]any {
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "application/json")
		writeResponse(ctx, rec, &graphql.Response{Data: json.RawMessage(`{"cut off`)})
		var r struct {
			Errors []struct{ Extensions map[string]any }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Errors) != 1 {
			t.Fatalf("response %d %q: %v", rec.Code, rec.Body, err)
		}
		return r.Errors[0].Extensions
	}
	tests := []struct {
		name string
		ext  func(context.Context) map[string]any
		code string
	}{
		{"a resolver's failure", func(ctx context.Context) map[string]any { return p.present(ctx, errors.New("disk on fire")).Extensions }, CodeInternal},
		{"a panic", func(ctx context.Context) map[string]any { return p.present(ctx, p.recover(ctx, "boom")).Extensions }, CodeInternal},
		{"a failed SSE subscription", sse, CodeInternal},
		{"a response that could not be encoded", unencodable, CodeInternal},
		{"a refusal", func(ctx context.Context) map[string]any {
			return p.present(ctx, &decider.NotFoundError{Entity: "restaurant", ID: "r"}).Extensions
		}, CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withID, without := tt.ext(ctx), tt.ext(context.Background())
			if withID["code"] != tt.code || without["code"] != tt.code {
				t.Fatalf("codes %v and %v, want %s", withID["code"], without["code"], tt.code)
			}
			want := any(nil)
			if tt.code == CodeInternal {
				want = "req-1"
			}
			if withID["requestId"] != want {
				t.Errorf("with an id: extensions %v, want requestId %v", withID, want)
			}
			if _, ok := without["requestId"]; ok {
				t.Errorf("without an id: extensions %v, want no requestId", without)
			}
		})
	}
	if RequestID(WithRequestID(context.Background(), "")) != "" || RequestID(context.Background()) != "" {
		t.Error("an empty id, or none, is not none")
	}
}
