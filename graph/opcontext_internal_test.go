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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/graph/generated"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/memory"
)

// operationsUnderTest is gqlgen's executor, set up as NewHandler sets it up, and the
// cachedOperations beside it, sharing its query cache and extensions; hooks counts the
// extensions' calls.
type operationsUnderTest struct {
	exec   *executor.Executor
	cached *cachedOperations
	hooks  *hookCounter
}

func newOperationsUnderTest(tb testing.TB, cfg Config) operationsUnderTest {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(memory.New(), service.WithLogger(logger))
	cfg = cfg.withDefaults(svc)
	es := generated.NewExecutableSchema(executableConfig(svc, logger))
	exec := executor.New(es)
	cache := newQueryCache()
	exec.SetQueryCache(cache)
	exec.SetDefaultRulesFn(validationRules)
	exec.SetRecoverFunc(presenter{logger: logger}.recover)
	hooks := &hookCounter{}
	// First, so that it counts every round of the mutators, also those another refuses.
	extensions := append([]graphql.HandlerExtension{hooks}, handlerExtensions(cfg, svc, newTokens(cfg.AuthTokens), &variableTypes{})...)
	for _, x := range extensions {
		exec.Use(x)
	}
	return operationsUnderTest{exec: exec, cached: newCachedOperations(es.Schema(), cache, extensions), hooks: hooks}
}

// hookCounter is an extension that counts the calls of its parameter and context mutators.
type hookCounter struct{ params, contexts atomic.Int64 }

func (*hookCounter) ExtensionName() string                   { return "hookCounter" }
func (*hookCounter) Validate(graphql.ExecutableSchema) error { return nil }

func (h *hookCounter) MutateOperationParameters(context.Context, *graphql.RawParams) *gqlerror.Error {
	h.params.Add(1)
	return nil
}

func (h *hookCounter) MutateOperationContext(context.Context, *graphql.OperationContext) *gqlerror.Error {
	h.contexts.Add(1)
	return nil
}

// take returns the calls counted since the last take.
func (h *hookCounter) take() (params, contexts int64) {
	return h.params.Swap(0), h.contexts.Swap(0)
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
	ops := newOperationsUnderTest(t, Config{})
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
	if _, _, ok := ops.cached.create(ctx, params(t, `{ status { head } }`, "", "")); ok {
		t.Fatal("took a request before the executor had built any")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, ok := ops.cached.create(ctx, params(t, tt.query+" ", tt.operationName, tt.variables)); ok {
				t.Fatal("took a document not in the cache")
			}
			taken, got, wantErrs := ops.againstExecutor(t, func() *graphql.RawParams { return params(t, tt.query, tt.operationName, tt.variables) })
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
	ops := newOperationsUnderTest(t, Config{PersistedQueries: 10})
	ctx := graphql.StartOperationTrace(context.Background())
	query := `query($n: Int) { restaurants(first: $n) { totalCount } }`
	sum := sha256.Sum256([]byte(query))
	hash := map[string]any{"persistedQuery": map[string]any{"version": json.Number("1"), "sha256Hash": hex.EncodeToString(sum[:])}}
	first, errs := ops.exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query, Extensions: hash, Variables: map[string]any{"n": json.Number("2")}})
	if errs != nil {
		t.Fatal(errs)
	}
	ops.cached.learn(first)
	ops.hooks.take()
	p := &graphql.RawParams{Extensions: hash, Variables: map[string]any{"n": json.Number("2")}}
	got, errs, taken := ops.cached.create(ctx, p)
	if !taken || errs != nil {
		t.Fatalf("taken %v, errors %v", taken, errs)
	}
	if params, contexts := ops.hooks.take(); params != 1 || contexts != 1 {
		t.Fatalf("the extensions' mutators ran %d and %d times, want once", params, contexts)
	}
	if got.RawQuery != query || p.Query != query || got.Doc != first.Doc {
		t.Fatalf("query %q (params %q), not the persisted one", got.RawQuery, p.Query)
	}

	// A hash that is not the query's: refused by an extension before any context is built.
	wrong := map[string]any{"persistedQuery": map[string]any{"version": json.Number("1"), "sha256Hash": strings.Repeat("0", 64)}}
	taken, _, wantErrs := ops.againstExecutor(t, func() *graphql.RawParams {
		return &graphql.RawParams{Query: query, Extensions: wrong, Variables: map[string]any{"n": json.Number("2")}}
	})
	if !taken || len(wantErrs) != 1 {
		t.Fatalf("taken %v, the executor's errors %v; want taken, refused", taken, wantErrs)
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
	// The configurations whose extensions refuse or change what they see.
	setups := []operationsUnderTest{
		newOperationsUnderTest(f, Config{MaxSubscriptions: -1, PersistedQueries: 10}),
		newOperationsUnderTest(f, Config{AuthTokens: []string{"secret"}, AuthQueries: true, DisableIntrospection: true, MaxDepth: 3, ComplexityLimit: 50, MaxSubscriptions: -1}),
	}
	f.Fuzz(func(t *testing.T, query, name string, variables []byte) {
		for _, ops := range setups {
			ops.againstExecutor(t, func() *graphql.RawParams {
				p := &graphql.RawParams{Query: query, OperationName: name}
				if vars, ok := decodeVariables(variables); ok {
					p.Variables = vars
				}
				return p
			})
		}
	})
}

// againstExecutor has the executor build the context of params() and then cached.create,
// and fails t unless create left it to the executor with params unchanged and no extension
// called, or built the same context with the same errors, calling the extensions as often.
// It returns whether create took it, its context and the errors.
func (ops operationsUnderTest) againstExecutor(t *testing.T, params func() *graphql.RawParams) (bool, *graphql.OperationContext, gqlerror.List) {
	t.Helper()
	ctx := graphql.StartOperationTrace(context.Background())
	ops.hooks.take()
	want, wantErrs := ops.exec.CreateOperationContext(ctx, params())
	ops.cached.learn(want)
	wantParams, wantContexts := ops.hooks.take()
	p := params()
	got, gotErrs, taken := ops.cached.create(ctx, p)
	gotParams, gotContexts := ops.hooks.take()
	if !taken {
		if before := params(); !reflect.DeepEqual(p, before) {
			t.Fatalf("the params left to the executor changed: %+v, were %+v", *p, *before)
		}
		if gotParams != 0 || gotContexts != 0 {
			t.Fatalf("left to the executor after the extensions' mutators ran (%d, %d times): they run twice", gotParams, gotContexts)
		}
		return false, nil, wantErrs
	}
	if gotParams != wantParams || gotContexts != wantContexts {
		t.Fatalf("the extensions' mutators ran %d and %d times, by the executor %d and %d", gotParams, gotContexts, wantParams, wantContexts)
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
