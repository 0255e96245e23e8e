package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/graph/generated"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/memory"
)

// operationsUnderTest returns gqlgen's executor, set up as NewHandler sets it up, and the
// cachedOperations beside it, sharing its query cache and extensions.
func operationsUnderTest(t testing.TB, cfg Config) (*executor.Executor, *cachedOperations) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(memory.New(), service.WithLogger(logger))
	cfg = cfg.withDefaults(svc)
	es := generated.NewExecutableSchema(executableConfig(svc, logger))
	exec := executor.New(es)
	cache := newQueryCache()
	exec.SetQueryCache(cache)
	exec.SetDefaultRulesFn(validationRules)
	exec.SetRecoverFunc(presenter{logger: logger}.recover)
	extensions := handlerExtensions(cfg, newTokens(cfg.AuthTokens), &variableTypes{})
	for _, x := range extensions {
		exec.Use(x)
	}
	return exec, newCachedOperations(es.Schema(), cache, extensions)
}

// TestCachedOperations_asTheExecutor: for a document the executor has cached, the
// operation context cachedOperations builds is the one the executor builds (the same
// document, operation, variables and settings; the same errors from the extensions), or it
// leaves the request to the executor, as it does for variables that need converting or
// that are refused.
func TestCachedOperations_asTheExecutor(t *testing.T) {
	create := `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`
	menu := `"menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "m1", "name": "Pizza", "price": "9.50"}]}`
	tests := []struct {
		name, query, operationName, variables string
		outcome                               string // taken (by cachedOperations), refused (taken, and refused by an extension) or left (to the executor)
	}{
		{"a mutation", create, "", `{"in": {"id": "r1", "name": "Bistro", ` + menu + `}}`, "taken"},
		{"a mutation by its name", `mutation A { __typename } mutation B($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }`, "B",
			`{"in": {"restaurantId": "r1", "menuItemIds": ["m1", "m1"], "expectedVersion": 3}}`, "taken"},
		{"a query with an Int and an enum", `query($n: Int, $s: OrderStatus) { orders(first: $n, status: $s) { totalCount } }`, "", `{"n": 5, "s": "PREPARED"}`, "taken"},
		{"a variable left out", `query($n: Int) { restaurants(first: $n) { totalCount } }`, "", `{}`, "taken"},
		{"no variables", `{ status { head } }`, "", ``, "taken"},
		{"introspection, which an extension allows", `{ __schema { queryType { name } } }`, "", ``, "taken"},
		{"a price refused by variableTypes", create, "", `{"in": {"name": "x", "menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "a", "name": "a", "price": 9.5}]}}}`, "refused"},
		{"a cuisine in lower case, refused by variableTypes", create, "", `{"in": {"name": "x", "menu": {"cuisine": "italian", "menuItems": [{"menuItemId": "a", "name": "a", "price": "1"}]}}}`, "refused"},
		{"over the complexity limit", `query($n: Int) { restaurants(first: $n) { nodes { menu { menuItems { name } } } } }`, "", `{"n": 100}`, "refused"},

		{"a variable with a default", `query($n: Int = 3) { restaurants(first: $n) { totalCount } }`, "", `{}`, "left"},
		{"a single ID for a list", `mutation($ids: [ID!]!) { placeOrder(input: {restaurantId: "r1", menuItemIds: $ids}) { id } }`, "", `{"ids": "m1"}`, "left"},
		{"an Int with a fraction", `query($n: Int) { restaurants(first: $n) { totalCount } }`, "", `{"n": 1.5}`, "left"},
		{"a field the input does not have", create, "", `{"in": {"name": "x", "bogus": 1, ` + menu + `}}`, "left"},
		{"an operation the document does not have", `query A { status { head } }`, "B", ``, "left"},
	}
	exec, cached := operationsUnderTest(t, Config{})
	ctx := graphql.StartOperationTrace(context.Background())
	params := func(t *testing.T, query, name, variables string) *graphql.RawParams {
		t.Helper()
		p := &graphql.RawParams{Query: query, OperationName: name, Headers: http.Header{"X-Test": {"1"}}}
		if variables != "" {
			vars, ok := decodeVariables([]byte(variables))
			if !ok {
				t.Fatalf("bad test: %s", variables)
			}
			p.Variables = vars
		}
		return p
	}
	if _, _, ok := cached.create(ctx, params(t, `{ status { head } }`, "", "")); ok {
		t.Fatal("took a request before the executor had built any")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, ok := cached.create(ctx, params(t, tt.query+" ", tt.operationName, tt.variables)); ok {
				t.Fatal("took a document not in the cache")
			}
			taken, got, wantErrs := againstExecutor(t, exec, cached, func() *graphql.RawParams { return params(t, tt.query, tt.operationName, tt.variables) })
			if taken != (tt.outcome != "left") || taken && (len(wantErrs) > 0) != (tt.outcome == "refused") {
				t.Fatalf("taken = %v, the executor's errors %v; want %s", taken, wantErrs, tt.outcome)
			}
			if !taken {
				return
			}
			if got.Stats.OperationStart.IsZero() || got.Stats.Validation.End.Before(got.Stats.Parsing.Start) {
				t.Fatalf("stats %+v", got.Stats)
			}
		})
	}
}

// TestCachedOperations_persistedQuery: a request that sends only a persisted query's hash
// is built from the query it names, as the executor builds it.
func TestCachedOperations_persistedQuery(t *testing.T) {
	exec, cached := operationsUnderTest(t, Config{PersistedQueries: 10})
	ctx := graphql.StartOperationTrace(context.Background())
	query := `query($n: Int) { restaurants(first: $n) { totalCount } }`
	sum := sha256.Sum256([]byte(query))
	hash := map[string]any{"persistedQuery": map[string]any{"version": json.Number("1"), "sha256Hash": hex.EncodeToString(sum[:])}}
	first, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query, Extensions: hash, Variables: map[string]any{"n": json.Number("2")}})
	if errs != nil {
		t.Fatal(errs)
	}
	cached.learn(first)
	p := &graphql.RawParams{Extensions: hash, Variables: map[string]any{"n": json.Number("2")}}
	got, errs, taken := cached.create(ctx, p)
	if !taken || errs != nil {
		t.Fatalf("taken %v, errors %v", taken, errs)
	}
	if got.RawQuery != query || p.Query != query || got.Doc != first.Doc {
		t.Fatalf("query %q (params %q), not the persisted one", got.RawQuery, p.Query)
	}
}

// sameContexts fails t unless got and want hold the same values in every field that is not
// a function (the executor's own, which learn copies) or a time, so that a field a later
// gqlgen sets is not missed.
func sameContexts(t *testing.T, got, want *graphql.OperationContext) {
	t.Helper()
	g, w := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range g.NumField() {
		f := g.Type().Field(i)
		switch {
		case !f.IsExported() || f.Type.Kind() == reflect.Func:
			continue
		case f.Name == "Stats":
			gs, ws := got.Stats, want.Stats
			gs.OperationStart, gs.Read, gs.Parsing, gs.Validation = time.Time{}, graphql.TraceTiming{}, graphql.TraceTiming{}, graphql.TraceTiming{}
			ws.OperationStart, ws.Read, ws.Parsing, ws.Validation = time.Time{}, graphql.TraceTiming{}, graphql.TraceTiming{}, graphql.TraceTiming{}
			if !reflect.DeepEqual(gs, ws) {
				t.Fatalf("stats %+v, the executor's %+v", gs, ws)
			}
		case !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()):
			t.Fatalf("%s: %#v, the executor's %#v", f.Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
	if got.RecoverFunc == nil || got.ResolverMiddleware == nil || got.RootResolverMiddleware == nil {
		t.Fatal("the executor's recover function or middleware missing")
	}
}

// sameErrors reports whether a and b hold the same messages, paths and extensions.
func sameErrors(a, b gqlerror.List) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Message != b[i].Message || !reflect.DeepEqual(a[i].Path, b[i].Path) || !reflect.DeepEqual(a[i].Extensions, b[i].Extensions) {
			return false
		}
	}
	return true
}

// FuzzCachedOperations holds cachedOperations to gqlgen's executor for any document and
// variables: once the executor has built a request's context (and so cached its document),
// cachedOperations either leaves the request to it, unchanged, or builds the same context
// with the same errors.
func FuzzCachedOperations(f *testing.F) {
	create := `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`
	for _, seed := range []struct{ query, name, vars string }{
		{create, "", `{"in": {"id": "r1", "name": "Bistro", "menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "m1", "name": "Pizza", "price": "9.50"}]}}}`},
		{create, "", `{"in": {"name": "x", "menu": {"cuisine": "italian", "menuItems": [{"menuItemId": "a", "name": "a", "price": 9.5}]}}}`},
		{`mutation A { __typename } mutation B($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }`, "B", `{"in": {"restaurantId": "r1", "menuItemIds": "m1", "expectedVersion": 3}}`},
		{`query($n: Int = 3, $s: OrderStatus) { orders(first: $n, status: $s) { totalCount } }`, "", `{"n": 5.5, "s": "PREPARED"}`},
		{`query($p: Int64, $t: [String!]) { events(afterPosition: $p, types: $t) { id data } }`, "", `{"p": "12", "t": ["A", null]}`},
		{`query($id: ID!) { order(id: $id) { id menuItems { name } } }`, "", `{"id": 12}`},
		{`subscription($id: ID!) { restaurantChanged(id: $id) { name } }`, "", `{"id": "r1"}`},
		{`{ __schema { queryType { name } } }`, "", ``},
	} {
		f.Add(seed.query, seed.name, []byte(seed.vars))
	}
	exec, cached := operationsUnderTest(f, Config{MaxSubscriptions: -1, PersistedQueries: 10})
	f.Fuzz(func(t *testing.T, query, name string, variables []byte) {
		params := func() *graphql.RawParams {
			p := &graphql.RawParams{Query: query, OperationName: name}
			if vars, ok := decodeVariables(variables); ok {
				p.Variables = vars
			}
			return p
		}
		againstExecutor(t, exec, cached, params)
	})
}

// againstExecutor has exec build the context of params() and then cached.create, and fails
// t unless create left it to the executor with params unchanged, or built the same context
// with the same errors. It returns whether create took it, its context and the errors.
func againstExecutor(t *testing.T, exec *executor.Executor, cached *cachedOperations, params func() *graphql.RawParams) (bool, *graphql.OperationContext, gqlerror.List) {
	t.Helper()
	ctx := graphql.StartOperationTrace(context.Background())
	want, wantErrs := exec.CreateOperationContext(ctx, params())
	cached.learn(want)
	p := params()
	before := *p
	got, gotErrs, taken := cached.create(ctx, p)
	if !taken {
		if !reflect.DeepEqual(*p, before) {
			t.Fatalf("the params left to the executor changed: %+v, were %+v", *p, before)
		}
		return false, nil, wantErrs
	}
	if !sameErrors(gotErrs, wantErrs) {
		t.Fatalf("errors %v, the executor's %v", gotErrs, wantErrs)
	}
	if got.Doc != want.Doc || got.Operation != want.Operation {
		t.Fatal("not the executor's cached document and operation")
	}
	sameContexts(t, got, want)
	return true, got, wantErrs
}
