package service_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
	"github.com/google/uuid"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// run starts svc.Run and stops it when the test ends.
func run(tb testing.TB, svc *service.Service) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			tb.Errorf("Run: %v", err)
		}
	})
}

func newService(tb testing.TB, opts ...service.Option) *service.Service {
	tb.Helper()
	st := memory.New()
	tb.Cleanup(func() { _ = st.Close() })
	svc := service.New(st, opts...)
	run(tb, svc)
	return svc
}

// placeAndWait places an order of items at the restaurant and waits until the read models
// and the saga (which creates the order) caught up with it.
func placeAndWait(tb testing.TB, svc *service.Service, restaurantID, orderID string, items ...string) {
	tb.Helper()
	ctx := context.Background()
	res, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: restaurantID, OrderID: orderID, MenuItemIDs: items}, eventsourcing.Meta{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := svc.WaitFor(ctx, res.Position); err != nil {
		tb.Fatal(err)
	}
}

func create(tb testing.TB, svc *service.Service, id string, items ...string) eventsourcing.Result {
	tb.Helper()
	var menu []restaurant.MenuItem
	for _, it := range items {
		menu = append(menu, restaurant.MenuItem{MenuItemID: it, Name: it, Price: "1.00"})
	}
	res, err := svc.CreateRestaurant(context.Background(), restaurant.CreateRestaurant{
		ID: id, Name: "R " + id, Menu: restaurant.Menu{MenuID: "m", Cuisine: restaurant.Cuisine("GENERAL"), MenuItems: menu},
	}, eventsourcing.Meta{})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func TestNewID(t *testing.T) {
	tests := []struct {
		name        string
		kind1, cmd1 string
		kind2, cmd2 string
		wantSame    bool
	}{
		{"same kind and command id give the same id", "order", "c1", "order", "c1", true},
		{"another command id gives another id", "order", "c1", "order", "c2", false},
		{"another kind gives another id", "order", "c1", "menu", "c1", false},
		{"without a command id ids are random", "order", "", "order", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := service.NewID(tt.kind1, tt.cmd1), service.NewID(tt.kind2, tt.cmd2)
			if (a == b) != tt.wantSame || len(a) != 36 {
				t.Fatalf("got %q and %q, want same=%v", a, b, tt.wantSame)
			}
			if err := restaurant.ValidateID("id", a); err != nil {
				t.Fatalf("generated id is not a valid id: %v", err)
			}
			want := uuid.Version(5) // name-based (SHA-1)
			if tt.cmd1 == "" {
				want = 4 // random
			}
			if u, err := uuid.Parse(a); err != nil || u.Version() != want || u.Variant() != uuid.RFC4122 {
				t.Fatalf("%q is not an RFC 4122 UUID of version %d: %v", a, want, err)
			}
		})
	}
}

func TestService_PlaceOrderCreatesTheOrderThroughTheSaga(t *testing.T) {
	svc := newService(t)
	create(t, svc, "r1", "a")
	placeAndWait(t, svc, "r1", "o1", "a")
	o, ok := svc.Orders().Get("o1")
	if !ok || o.RestaurantID != "r1" || o.Version != 1 {
		t.Fatalf("order %+v %v", o, ok)
	}
	names := map[string]bool{}
	for _, p := range svc.Status() {
		names[p.Name] = true
	}
	if !names["restaurants"] || !names["orders"] || !names[service.OrderSagaName] {
		t.Fatalf("status %+v", svc.Status())
	}
}

func TestService_WaitForBeyondTheHeadTimesOut(t *testing.T) {
	svc := newService(t, service.WithConsistencyTimeout(50*time.Millisecond))
	head, err := svc.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = svc.WaitFor(context.Background(), head+10)
	if !errors.Is(err, eventsourcing.ErrConsistencyTimeout) {
		t.Fatalf("got %v, want ErrConsistencyTimeout", err)
	}
	if svc.ConsistencyTimeout() != 50*time.Millisecond {
		t.Fatalf("timeout %v", svc.ConsistencyTimeout())
	}
}

// A consistency timeout that is not positive keeps the default: 0 (a flag or a config
// field left unset) must not make every minPosition wait fail at once.
func TestService_WithConsistencyTimeout_nonPositiveKeepsTheDefault(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		svc := newService(t, service.WithConsistencyTimeout(d))
		if got := svc.ConsistencyTimeout(); got != service.DefaultConsistencyTimeout {
			t.Errorf("WithConsistencyTimeout(%v): timeout %v, want the default %v", d, got, service.DefaultConsistencyTimeout)
		}
	}
}

func TestService_EventsFilters(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	create(t, svc, "r1", "a")
	create(t, svc, "r2", "a")
	create(t, svc, "r3", "a")
	tests := []struct {
		name  string
		after store.Position
		f     service.EventFilter
		limit int
		want  []store.Position
	}{
		{"all", 0, service.EventFilter{}, 10, []store.Position{1, 2, 3}},
		{"after a position", 1, service.EventFilter{}, 10, []store.Position{2, 3}},
		{"limited", 0, service.EventFilter{}, 2, []store.Position{1, 2}},
		{"one stream", 0, service.EventFilter{StreamID: "restaurant-r2"}, 10, []store.Position{2}},
		{"one stream after its event", 2, service.EventFilter{StreamID: "restaurant-r2"}, 10, nil},
		{"types", 0, service.EventFilter{Types: []string{"OrderCreated"}}, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := svc.Events(ctx, tt.after, tt.f, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []store.Position
			for _, e := range es {
				got = append(got, e.Position)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestService_WatchRestaurantOrders(t *testing.T) {
	svc := newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	create(t, svc, "r1", "a")
	create(t, svc, "r2", "a")
	early, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "early", MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.WaitFor(ctx, early.Position); err != nil {
		t.Fatal(err)
	}
	seq, err := svc.WatchRestaurantOrders(ctx, "r1") // from the head, read now
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"r2", "r1"} {
		if _, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: r, OrderID: "o-" + r, MenuItemIDs: []string{"a"}}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for o, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.ID+":"+string(o.Status))
		break
	}
	if len(got) != 1 || got[0] != "o-r1:CREATED" {
		t.Fatalf("got %v", got)
	}
}

// stuckHead is a store whose Head does not answer until its context ends, as a database
// that hangs.
type stuckHead struct {
	store.Store
	stuck chan struct{} // closed to make Head hang
}

func (s *stuckHead) Head(ctx context.Context) (store.Position, error) {
	select {
	case <-s.stuck:
		<-ctx.Done()
		return 0, ctx.Err()
	default:
		return store.Head(ctx, s.Store)
	}
}

func TestService_Drain(t *testing.T) {
	st := &stuckHead{Store: memory.New(), stuck: make(chan struct{})}
	t.Cleanup(func() { _ = st.Store.Close() })
	svc := service.New(st, service.WithConsistencyTimeout(time.Hour))
	run(t, svc)
	r1 := create(t, svc, "r1", "a")
	if err := svc.WaitFor(context.Background(), r1.Position); err != nil {
		t.Fatal(err)
	}

	// The store cannot tell its head: Drain ends with its context, and waits for what was
	// not processed yet end.
	close(st.stuck)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	drained := make(chan struct{})
	go func() { svc.Drain(ctx); close(drained) }()
	bound, cancelBound := context.WithTimeout(context.Background(), time.Minute)
	defer cancelBound()
	select {
	case <-drained:
	case <-bound.Done():
		t.Fatal("Drain did not return when its context ended")
	}
	if err := svc.WaitFor(bound, r1.Position+1); !errors.Is(err, eventsourcing.ErrDraining) {
		t.Fatalf("a wait beyond the processed positions after Drain: %v; want ErrDraining at once", err)
	}
	if err := svc.WaitFor(bound, r1.Position); err != nil {
		t.Fatalf("a wait for a processed position after Drain: %v", err)
	}
}

// With snapshots, a restaurant's state is saved as its stream grows, and a service started
// again over the same store decides from it: an order id already placed is still refused.
func TestService_Snapshots(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	first := service.New(st, service.WithSnapshots(2))
	create(t, first, "r1", "a")
	for _, id := range []string{"o1", "o2", "o3"} {
		if _, err := first.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: id, MenuItemIDs: []string{"a"}}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	snap, ok, err := st.Snapshot(ctx, restaurant.StreamID("r1"))
	if err != nil || !ok || snap.Version != 4 || snap.Revision != restaurant.StateRevision {
		t.Fatalf("snapshot of r1 = %+v, %v, %v; want version 4, revision %s", snap, ok, err, restaurant.StateRevision)
	}

	restarted := service.New(st, service.WithSnapshots(2))
	_, err = restarted.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "o2", MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
	if !errors.Is(err, decider.ErrAlreadyExists) {
		t.Fatalf("placing o2 again after a restart: %v, want decider.ErrAlreadyExists", err)
	}
	res, err := restarted.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "o4", MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
	if err != nil || res.Version != 5 {
		t.Fatalf("placing o4 after a restart: %+v, %v; want version 5", res, err)
	}
}

// streamReads counts the events its ReadStream yields.
type streamReads struct {
	store.Store
	n atomic.Int64
}

func (c *streamReads) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range c.Store.ReadStream(ctx, stream, after) {
			c.n.Add(1)
			if !yield(e, err) {
				return
			}
		}
	}
}

// newCountingService is newService over a store that counts the events ReadStream yields.
func newCountingService(tb testing.TB) (*service.Service, *streamReads) {
	tb.Helper()
	mem := memory.New()
	tb.Cleanup(func() { _ = mem.Close() })
	st := &streamReads{Store: mem}
	svc := service.New(st)
	run(tb, svc)
	return svc, st
}

// TestService_WatchRestaurant_startsFromTheReadModel checks that watching a restaurant
// whose stream is long (an event per order placed there) starts from the read model's copy
// instead of reading the stream from its first event, and then follows it.
func TestService_WatchRestaurant_startsFromTheReadModel(t *testing.T) {
	svc, st := newCountingService(t)
	ctx := t.Context()
	create(t, svc, "r1", "a")
	var last eventsourcing.Result
	for i := range 50 {
		var err error
		last, err = svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: fmt.Sprint("o", i), MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.WaitFor(ctx, last.Position); err != nil {
		t.Fatal(err)
	}
	before := st.n.Load()
	seq, err := svc.WatchRestaurant(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(seq)
	defer stop()
	r, err, _ := next()
	if err != nil || r.ID != "r1" || r.Name != "R r1" || r.Version != 51 || len(r.Menu.MenuItems) != 1 {
		t.Fatalf("first %+v, %v; want r1 at version 51", r, err)
	}
	if n := st.n.Load() - before; n != 0 {
		t.Errorf("read %d events of the stream, want none: the read model has them all", n)
	}
	menu := restaurant.Menu{MenuID: "m2", Cuisine: restaurant.Cuisine("ITALIAN"), MenuItems: []restaurant.MenuItem{{MenuItemID: "b", Name: "B", Price: "2.00"}}}
	if _, err := svc.ChangeRestaurantMenu(ctx, restaurant.ChangeRestaurantMenu{ID: "r1", Menu: menu}, eventsourcing.Meta{}); err != nil {
		t.Fatal(err)
	}
	if r, err, _ := next(); err != nil || r.Version != 52 || r.Menu.MenuID != "m2" {
		t.Fatalf("after the menu change %+v, %v; want menu m2 at version 52", r, err)
	}
}

// TestService_WatchRestaurantOrders_skipsOtherRestaurants checks that following one
// restaurant's orders does not read the streams of other restaurants' orders as they change
// (it read every prepared order's stream of the whole system to learn its restaurant), and
// still yields its own.
func TestService_WatchRestaurantOrders_skipsOtherRestaurants(t *testing.T) {
	svc, st := newCountingService(t)
	ctx := t.Context()
	create(t, svc, "r1", "a")
	create(t, svc, "r2", "a")
	var last eventsourcing.Result
	for i := range 20 {
		var err error
		if last, err = svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r2", OrderID: fmt.Sprint("other", i), MenuItemIDs: []string{"a"}}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "mine", MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.WaitFor(ctx, max(last.Position, mine.Position)); err != nil {
		t.Fatal(err)
	}

	seq, err := svc.WatchRestaurantOrders(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(seq)
	defer stop()
	before := st.n.Load()
	for i := range 20 {
		if _, err := svc.MarkOrderAsPrepared(ctx, order.MarkOrderAsPrepared{ID: fmt.Sprint("other", i)}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.MarkOrderAsPrepared(ctx, order.MarkOrderAsPrepared{ID: "mine"}, eventsourcing.Meta{}); err != nil {
		t.Fatal(err)
	}
	handled := st.n.Load() - before // the commands' own reads (none with the state cache)
	o, err, _ := next()
	if err != nil || o.ID != "mine" || o.Status != order.Prepared || o.Version != 2 {
		t.Fatalf("first %+v, %v; want mine prepared at version 2", o, err)
	}
	if n := st.n.Load() - before - handled; n > 2 {
		t.Errorf("read %d events of order streams to yield one change of r1's order, want its own 2 at most", n)
	}
}
