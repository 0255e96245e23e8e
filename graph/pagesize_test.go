package graph_test

import "testing"

// TestFirst_null: first is 1 to 100, its default (20, or 100 for events) taken when it is
// left out; an explicit null, written or sent as a variable, is BAD_USER_INPUT, as GraphQL
// gives a null no default (it was taken for the default, found by a review).
func TestFirst_null(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	for _, q := range []string{
		`{ restaurants(first: null) { totalCount } }`,
		`{ orders(first: null) { totalCount } }`,
		`{ events(first: null) { position } }`,
	} {
		if err := e.wantCode(t, "BAD_USER_INPUT", q, nil); err.Extensions["field"] != "first" {
			t.Errorf("%s: %+v, want the field first named", q, err)
		}
	}
	e.wantCode(t, "BAD_USER_INPUT", `query($n: Int) { restaurants(first: $n) { totalCount } }`, map[string]any{"n": nil})
	for _, q := range []string{
		`{ restaurants { totalCount } orders { totalCount } events { position } }`,
		`query($n: Int) { restaurants(first: $n) { totalCount } }`, // the variable left out
	} {
		e.must(t, q, nil, nil)
	}
}
