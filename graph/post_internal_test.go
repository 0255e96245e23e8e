package graph

import (
	"net/http/httptest"
	"testing"
)

func TestResponseContentType(t *testing.T) {
	const (
		plain = "application/json"
		gql   = graphQLResponseJSON
	)
	tests := []struct {
		accept  []string // one Accept header line each
		want    string
		refusal string // ErrorContentType's, when not want
	}{
		{nil, plain, ""}, // curl's and fetch's default: the legacy media type
		{[]string{plain}, plain, ""},
		{[]string{gql}, gql, ""},
		{[]string{gql + ", " + plain}, gql, ""},
		{[]string{plain + ", " + gql}, plain, ""},
		{[]string{gql + ";q=0.9, " + plain}, plain, ""},
		{[]string{gql + ", " + plain + ";q=0.9"}, gql, ""}, // Apollo Client's
		{[]string{plain + ";q=0.9, " + gql}, gql, ""},
		{[]string{gql + ";q=0, " + plain}, plain, ""},
		{[]string{gql + ";q=0.5, " + plain}, plain, ""},
		{[]string{plain + ";q=0, " + gql + ";q=0.1"}, gql, ""},
		{[]string{"*/*"}, plain, ""},
		{[]string{"application/*"}, plain, ""},
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, plain, ""}, // a browser's
		{[]string{"*/*;q=0.5, " + gql}, gql, ""},
		{[]string{plain + ";q=0, */*"}, gql, ""},           // the more specific range decides for JSON
		{[]string{gql + ";q=0, application/*"}, plain, ""}, // and for graphql-response+json
		{[]string{"text/html"}, gql, plain},                // neither allowed: GraphQL over HTTP's default (a refusal: JSON)
		{[]string{"text/event-stream"}, gql, plain},        // an SSE client's refusal
		{[]string{""}, plain, ""},                          // an empty header is no header
		{[]string{plain + ";q=0, " + gql + ";q=0"}, gql, plain},
		{[]string{plain + ";q=2, " + gql}, gql, ""}, // a quality out of range: the range is skipped
		{[]string{"nonsense;;, " + gql}, gql, ""},
		{[]string{gql + ";q=0.5", plain + ";q=0.8"}, plain, ""}, // two header lines
		{[]string{gql + ";charset=utf-8"}, gql, ""},
		{[]string{gql + ", " + plain + ";q=NaN"}, gql, ""}, // not a quality: the range is skipped
		{[]string{gql + ";q=0.5, " + plain + ";q=1e-1"}, gql, ""},
		{[]string{gql + ";q=0.5, " + plain + ";q=0.7777"}, gql, ""},
		{[]string{gql + ";q=0.5, " + plain + ";q=1.5"}, gql, ""},
		{[]string{gql + ";q=0.5, " + plain + ";q=0.75"}, plain, ""},
		{[]string{gql + ";q=0.5, " + plain + ";q=1.000"}, plain, ""},
		{[]string{gql + ";q=0., " + plain + ";q=0.001"}, plain, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/graphql", nil)
		for _, a := range tt.accept {
			r.Header.Add("Accept", a)
		}
		if got := responseContentType(r); got != tt.want {
			t.Errorf("Accept %q: got %s, want %s", tt.accept, got, tt.want)
		}
		want := tt.want
		if tt.refusal != "" {
			want = tt.refusal
		}
		if got := ErrorContentType(r); got != want {
			t.Errorf("Accept %q: refusals get %s, want %s", tt.accept, got, want)
		}
	}
}
