// Package service wires eventgraph's restaurant application over a store.Store: the command
// index, one command handler per aggregate (restaurant, order), the read models, and the
// runner that feeds the projections and the order saga (every RestaurantOrderPlaced becomes a
// CreateOrder handled by the order handler).
//
// The GraphQL layer (package graph) talks only to a *Service:
//
//	svc := service.New(st, service.WithLogger(logger))
//	go svc.Run(ctx) // projections and saga, until ctx ends
//	res, err := svc.CreateRestaurant(ctx, cmd, eventsourcing.Meta{CommandID: "c1"})
package service

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// DefaultConsistencyTimeout bounds how long WaitFor waits for the read models.
const DefaultConsistencyTimeout = 5 * time.Second

// OrderSagaName is the name of the saga that creates orders, as Status reports it.
const OrderSagaName = "order-creation"

// Option configures a Service.
type Option func(*config)

type config struct {
	logger     *slog.Logger
	timeout    time.Duration
	maxRetries int
	observer   eventsourcing.CommandObserver
	snapEvery  int
	// The read models' states: how often they are saved (eventsourcing.WithStateInterval),
	// and after how many events besides (eventsourcing.WithStateEvery).
	stateInterval time.Duration
	stateEvents   int
}

// WithLogger sets the logger of the service, its handlers and its runner (default: slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithConsistencyTimeout sets how long WaitFor waits for the read models to reach a position
// (default DefaultConsistencyTimeout). A non-positive d keeps the default.
func WithConsistencyTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithMaxRetries sets how many times a handler retries a command that lost a race on its
// stream (default eventsourcing.DefaultMaxRetries).
func WithMaxRetries(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxRetries = n
		}
	}
}

// WithSnapshots makes the restaurants' handler keep a snapshot of a restaurant's state each
// time its stream passes a multiple of every events, and start from it when the state is
// not cached, over a store that keeps snapshots (see eventsourcing.WithSnapshots). An
// order's stream holds two events at most and gets none. A restaurant's state holds its
// every order id, so a big one's snapshots are spaced further apart, to write about
// eventsourcing.DefaultSnapshotWriteBudget bytes for each event of its stream (see
// eventsourcing.WithSnapshotWriteBudget). Off by default; every < 1 keeps it off.
func WithSnapshots(every int) Option {
	return func(c *config) { c.snapEvery = max(every, 0) }
}

// WithStateInterval sets how often the read models' and the command index's in-memory states
// are saved beside the log, over a store that keeps them (the JSONL and PostgreSQL stores), so that a restart
// loads them instead of replaying the log from its first event (see eventsourcing.Runner and
// eventsourcing.WithStateInterval); they are saved once more when Run ends. On by default,
// every eventsourcing.DefaultStateInterval; d < 0 turns them off (none is saved or loaded);
// d == 0 keeps the default. The memory store keeps none: its read models replay its log
// (which a restart loses) at every start.
func WithStateInterval(d time.Duration) Option {
	return func(c *config) { c.stateInterval = d }
}

// WithStateEvery makes the service also save the read models' states once every n events
// they apply (see eventsourcing.WithStateEvery), so that a log that
// grows fast is not replayed far at the next start. n < 1, the default, saves by the
// interval only (WithStateInterval).
func WithStateEvery(n int) Option {
	return func(c *config) { c.stateEvents = n }
}

// Service is the restaurant application over one store. Its methods are safe for concurrent use.
type Service struct {
	store        store.Store
	logger       *slog.Logger
	timeout      time.Duration
	restaurants  *eventsourcing.Handler[restaurant.Command, restaurant.State, restaurant.Event]
	orders       *eventsourcing.Handler[order.Command, order.State, order.Event]
	restaurantRM *readmodel.Restaurants
	orderRM      *readmodel.Orders
	runner       *eventsourcing.Runner
	draining     atomic.Bool // set by Drain: each command's position then raises the runner's drain head
}

// New wires the application over st. Commands can be handled at once; the read models and
// the saga run only while Run runs.
func New(st store.Store, opts ...Option) *Service {
	cfg := config{logger: slog.Default(), timeout: DefaultConsistencyTimeout, maxRetries: eventsourcing.DefaultMaxRetries}
	for _, o := range opts {
		o(&cfg)
	}
	index := eventsourcing.NewCommandIndex(st)
	// The events the handlers write reach the read models and the saga already decoded.
	decoded := eventsourcing.NewDecoded(eventsourcing.DefaultDecodedSize)
	hopts := []eventsourcing.HandlerOption{
		eventsourcing.WithCommandIndex(index),
		eventsourcing.WithDecoded(decoded),
		eventsourcing.WithMaxRetries(cfg.maxRetries),
		eventsourcing.WithLogger(cfg.logger),
	}
	if cfg.observer != nil {
		hopts = append(hopts, eventsourcing.WithCommandObserver(cfg.observer))
	}
	// An order's stream holds two events at most: only restaurants' streams grow long.
	ropts := append(hopts[:len(hopts):len(hopts)], eventsourcing.WithSnapshots(cfg.snapEvery, restaurant.StateRevision))
	s := &Service{
		store:   st,
		logger:  cfg.logger,
		timeout: cfg.timeout,
		restaurants: eventsourcing.NewHandler(st, eventsourcing.Aggregate[restaurant.Command, restaurant.State, restaurant.Event]{
			Decider: restaurant.Decider(),
			Codec:   restaurant.Codec{},
			Stream:  func(c restaurant.Command) string { return c.Stream() },
		}, ropts...),
		orders: eventsourcing.NewHandler(st, eventsourcing.Aggregate[order.Command, order.State, order.Event]{
			Decider: order.Decider(),
			Codec:   order.Codec{},
			Stream:  func(c order.Command) string { return c.Stream() },
		}, hopts...),
		restaurantRM: readmodel.NewRestaurants(readmodel.WithDecoded(decoded)),
		orderRM:      readmodel.NewOrders(readmodel.WithDecoded(decoded)),
		runner:       eventsourcing.NewRunner(st, eventsourcing.WithRunnerLogger(cfg.logger), eventsourcing.WithStateInterval(cfg.stateInterval), eventsourcing.WithStateEvery(cfg.stateEvents)),
	}
	s.runner.AddProjection(s.restaurantRM)
	s.runner.AddProjection(s.orderRM)
	// The command-id index follows the log with the read models (see CommandIndex.Apply).
	s.runner.AddProjection(index)
	s.runner.AddSaga(eventsourcing.NewSaga(OrderSagaName, order.Saga(), eventsourcing.Codec[restaurant.Event](restaurant.Codec{}),
		func(ctx context.Context, c order.Command, m eventsourcing.Meta) (eventsourcing.Result, error) {
			return s.orders.Handle(ctx, c, m)
		}, eventsourcing.WithSagaDecoded(decoded)))
	return s
}

// Run feeds the read models and runs the order saga until ctx ends. Call it once.
func (s *Service) Run(ctx context.Context) error { return s.runner.Run(ctx) }

// Store returns the store the service writes to.
func (s *Service) Store() store.Store { return s.store }

// Logger returns the service's logger.
func (s *Service) Logger() *slog.Logger { return s.logger }

// ConsistencyTimeout returns how long WaitFor waits.
func (s *Service) ConsistencyTimeout() time.Duration { return s.timeout }

// Restaurants returns the restaurants read model.
func (s *Service) Restaurants() *readmodel.Restaurants { return s.restaurantRM }

// Orders returns the orders read model.
func (s *Service) Orders() *readmodel.Orders { return s.orderRM }

// CreateRestaurant handles a CreateRestaurant command.
func (s *Service) CreateRestaurant(ctx context.Context, cmd restaurant.CreateRestaurant, meta eventsourcing.Meta) (eventsourcing.Result, error) {
	return s.written(s.restaurants.Handle(ctx, cmd, meta))
}

// ChangeRestaurantMenu handles a ChangeRestaurantMenu command.
func (s *Service) ChangeRestaurantMenu(ctx context.Context, cmd restaurant.ChangeRestaurantMenu, meta eventsourcing.Meta) (eventsourcing.Result, error) {
	return s.written(s.restaurants.Handle(ctx, cmd, meta))
}

// PlaceOrder handles a PlaceOrder command on the restaurant; the saga then creates the order.
func (s *Service) PlaceOrder(ctx context.Context, cmd restaurant.PlaceOrder, meta eventsourcing.Meta) (eventsourcing.Result, error) {
	return s.written(s.restaurants.Handle(ctx, cmd, meta))
}

// MarkOrderAsPrepared handles a MarkOrderAsPrepared command.
func (s *Service) MarkOrderAsPrepared(ctx context.Context, cmd order.MarkOrderAsPrepared, meta eventsourcing.Meta) (eventsourcing.Result, error) {
	return s.written(s.orders.Handle(ctx, cmd, meta))
}

// WaitFor waits until every projection and the saga (with the commands it issued for events
// up to p) have processed position p, for at most the consistency timeout. Past the bound it
// fails with an error wrapping eventsourcing.ErrConsistencyTimeout.
func (s *Service) WaitFor(ctx context.Context, p store.Position) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.runner.WaitFor(ctx, p); err != nil {
		return fmt.Errorf("service: wait for position %d: %w", p, err)
	}
	return nil
}

// Processed reports whether WaitFor(p) would return at once (see eventsourcing.Runner.Reached).
func (s *Service) Processed(p store.Position) bool { return s.runner.Reached(p) }

// Drain readies the service for shutdown, once the server takes no more requests: from now
// on WaitFor for a position beyond the log's present head fails at once with an error
// wrapping eventsourcing.ErrDraining, instead of waiting out the consistency timeout (see
// eventsourcing.Runner.Drain). Commands and other waits go on as before. Drain asks the
// store for its head within ctx; when the store cannot tell it (a database that hangs),
// every wait for a position not processed yet ends: none could end before the shutdown.
//
// A request still in flight may write after the head was read (a mutation whose body was
// arriving, or whose command retries), and a mutation's result waits for its own position:
// each command handled from now on raises the head to the position it wrote.
func (s *Service) Drain(ctx context.Context) {
	s.draining.Store(true) // before the head is read: a command that did not see it wrote up to the head
	head, err := s.Head(ctx)
	if err != nil {
		head = 0
	}
	s.runner.Drain(head)
}

// written returns a command's outcome, after raising the runner's drain head to the
// position the command wrote when the service drains (see Drain).
func (s *Service) written(res eventsourcing.Result, err error) (eventsourcing.Result, error) {
	if err == nil && s.draining.Load() {
		s.runner.Drain(res.Position)
	}
	return res, err
}

// Status reports every projection's and saga's progress.
func (s *Service) Status() []eventsourcing.ProcessorStatus { return s.runner.Status() }

// StatesStatus reports on the read models' saved states (see eventsourcing.StatesStatus and
// WithStateInterval).
func (s *Service) StatesStatus() eventsourcing.StatesStatus { return s.runner.StatesStatus() }

// Head returns the position of the last committed event (0 for an empty log).
func (s *Service) Head(ctx context.Context) (store.Position, error) {
	return store.Head(ctx, s.store)
}
