package graph_test

import (
	"net/http"
	"strings"
	"testing"
)

// A body that is not UTF-8 was read by encoding/json with U+FFFD for each invalid byte: a
// name sent in Latin-1 was written to the log mangled, and the client told it succeeded.
func TestPOST_bodyNotUTF8IsRefused(t *testing.T) {
	e := newEnv(t)
	const mutation = `{"query":"mutation { createRestaurant(input: {id: \"r1\", name: \"Caf` + "\xe9" + `\", menu: {cuisine: FRENCH, menuItems: [{menuItemId: \"m1\", name: \"Cr` + "\xe8" + `me\", price: \"1\"}]}}) { id } }"}`
	for name, header := range map[string]map[string]string{
		"POST": nil,
		"SSE":  {"Accept": "text/event-stream"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, r := e.post(t, mutation, header)
			if resp.StatusCode != http.StatusBadRequest || r.Code() != "BAD_REQUEST" || !strings.Contains(r.Errors[0].Message, "UTF-8") {
				t.Fatalf("got %d %v, want 400 BAD_REQUEST naming UTF-8", resp.StatusCode, r.Err())
			}
			if h := e.head(t); h != 0 {
				t.Fatalf("the log holds %d events, want none", h)
			}
		})
	}
	t.Run("the same body in UTF-8 is served", func(t *testing.T) {
		resp, r := e.post(t, strings.NewReplacer("\xe9", "é", "\xe8", "è").Replace(mutation), nil)
		if resp.StatusCode != http.StatusOK || r.Err() != nil {
			t.Fatalf("got %d %v", resp.StatusCode, r.Err())
		}
	})
}
