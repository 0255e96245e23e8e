package graph

import (
	"net/http"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

func TestChooseStream(t *testing.T) {
	const sse, plain, gql = "text/event-stream", "application/json", "application/graphql-response+json"
	tests := []struct {
		method string
		accept []string
		want   streamChoice
	}{
		// Ordinary headers, answered as before.
		{http.MethodPost, []string{sse}, stream}, // graphql-sse, curl
		{http.MethodPost, []string{sse + ", " + plain}, stream},
		{http.MethodPost, []string{plain + ", " + sse}, stream}, // a tie streams
		{http.MethodPost, []string{sse + ";charset=utf-8"}, stream},
		{http.MethodPost, nil, noStream},
		{http.MethodPost, []string{""}, noStream},
		{http.MethodPost, []string{plain}, noStream},
		{http.MethodPost, []string{gql + ", " + plain + ";q=0.9"}, noStream}, // Apollo Client's
		{http.MethodPost, []string{"*/*"}, noStream},                         // a wildcard never streams
		{http.MethodPost, []string{"text/*"}, noStream},
		{http.MethodPost, []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, noStream},
		{http.MethodPost, []string{sse + ";q=0.5, */*"}, stream}, // nor weighs against the stream
		{http.MethodPost, []string{sse + ";q=0.5, application/*"}, stream},
		{http.MethodGet, []string{sse}, stream}, // EventSource
		{http.MethodGet, []string{sse + ", " + plain}, noStream},
		{http.MethodGet, []string{plain + ", " + sse}, noStream},
		{http.MethodGet, []string{sse + ", */*"}, stream},

		// Quality zero: not acceptable.
		{http.MethodPost, []string{plain + ", " + sse + ";q=0"}, noStream},
		{http.MethodPost, []string{sse + ";q=0"}, noStream},
		{http.MethodPost, []string{sse + "; q=0.000"}, noStream},
		{http.MethodPost, []string{sse + ";charset=utf-8;q=0, " + plain}, noStream},
		{http.MethodGet, []string{sse + ";q=0"}, noStream},
		{http.MethodGet, []string{sse + ", " + plain + ";q=0"}, stream}, // JSON refused
		{http.MethodGet, []string{sse + ", " + gql + ";q=0"}, stream},
		{http.MethodPost, []string{sse + ";q=0", plain}, noStream},  // two header lines
		{http.MethodPost, []string{sse + ";q=0, " + sse}, noStream}, // the first listed counts
		{http.MethodPost, []string{sse + ";q=0, text/*"}, noStream},

		// Case.
		{http.MethodPost, []string{"TEXT/EVENT-STREAM"}, stream},
		{http.MethodPost, []string{"Text/Event-Stream; Charset=UTF-8"}, stream},
		{http.MethodGet, []string{"Text/Event-Stream"}, stream},
		{http.MethodPost, []string{plain, "TEXT/EVENT-STREAM"}, stream},
		{http.MethodPost, []string{"TEXT/EVENT-STREAM;Q=0"}, noStream},

		// JSON preferred: only a subscription streams (POST); a GET that names JSON never does.
		{http.MethodPost, []string{sse + ";q=0.1, " + plain}, streamIfSubscription},
		{http.MethodPost, []string{gql + ", " + sse + ";q=0.9"}, streamIfSubscription},
		{http.MethodPost, []string{plain + ";q=0.5, " + sse + ";q=0.4"}, streamIfSubscription},
		{http.MethodPost, []string{plain + ";q=0.5, " + sse + ";q=0.5"}, stream},
		{http.MethodPost, []string{plain + ";q=0.5, " + sse + ";q=0.6"}, stream},
		{http.MethodGet, []string{sse + ";q=0.1, " + plain}, noStream},

		// Not a range, or not a quality: skipped, as negotiate skips them.
		{http.MethodPost, []string{sse + ";q=2"}, noStream},
		{http.MethodPost, []string{sse + ";q=NaN"}, noStream},
		{http.MethodPost, []string{"application/json;x=\"text/event-stream\""}, noStream},
		{http.MethodPost, []string{"text/event-streams"}, noStream},
		{http.MethodPost, []string{"nonsense;;, " + sse}, stream},
	}
	for _, tt := range tests {
		if got := chooseStream(tt.method, tt.accept); got != tt.want {
			t.Errorf("chooseStream(%s, %q) = %d, want %d", tt.method, tt.accept, got, tt.want)
		}
	}
}

// TestAgreeAccept: gqlgen's SSE transport, which looks for the string text/event-stream in the
// first Accept line, takes a POST exactly when it was decided to stream it, and the header
// says to chooseStream and negotiate what it said before.
func TestAgreeAccept(t *testing.T) {
	tests := []struct {
		accept []string
		sse    bool
		want   string // the first Accept line after
	}{
		{[]string{"text/event-stream"}, true, "text/event-stream"},
		{[]string{"application/json"}, false, "application/json"},
		{[]string{"TEXT/EVENT-STREAM"}, true, "text/event-stream"},
		{[]string{"Text/Event-Stream;charset=UTF-8, application/json"}, true, "text/event-stream;charset=UTF-8, application/json"},
		{[]string{"application/json", "TEXT/EVENT-STREAM;q=0.5"}, true, "application/json, text/event-stream;q=0.5"},
		{[]string{"application/json, text/event-stream;q=0"}, false, "application/json, TEXT/EVENT-STREAM;q=0"},
		{[]string{"text/event-stream;q=0"}, false, "TEXT/EVENT-STREAM;q=0"},
		{[]string{"text/event-stream;q=0.1, application/json"}, false, "TEXT/EVENT-STREAM;q=0.1, application/json"},
		{[]string{"text/event-stream;q=0.1, application/json"}, true, "text/event-stream;q=0.1, application/json"}, // a subscription
	}
	for _, tt := range tests {
		r, err := http.NewRequest(http.MethodPost, "/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		for _, line := range tt.accept {
			r.Header.Add("Accept", line)
		}
		before := r.Clone(r.Context())
		got := agreeAccept(r, tt.sse)
		if line := got.Header.Get("Accept"); line != tt.want {
			t.Errorf("agreeAccept(%q, %v): Accept %q, want %q", tt.accept, tt.sse, line, tt.want)
		}
		if supports := (transport.SSE{}).Supports(got); supports != tt.sse {
			t.Errorf("agreeAccept(%q, %v): gqlgen's SSE transport takes it: %v", tt.accept, tt.sse, supports)
		}
		if a, b := chooseStream(got.Method, got.Header.Values("Accept")), chooseStream(before.Method, before.Header.Values("Accept")); a != b {
			t.Errorf("agreeAccept(%q, %v): chooseStream reads %d, read %d", tt.accept, tt.sse, a, b)
		}
		if a, b := responseContentType(got), responseContentType(before); a != b {
			t.Errorf("agreeAccept(%q, %v): negotiate reads %s, read %s", tt.accept, tt.sse, a, b)
		}
	}
}
