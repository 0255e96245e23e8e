package graph

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph/generated"
	"github.com/eventgraph/eventgraph/service"
)

// Defaults of Config.
const (
	// DefaultComplexityLimit lets the default page of 20 restaurants with their whole
	// menus through (30,241: each menu may hold 500 items), and so the queries a user
	// writes first, while 500 aliased lists of menus count millions.
	DefaultComplexityLimit   = 50_000
	DefaultKeepAlive         = 10 * time.Second
	DefaultMaxBodyBytes      = 1 << 20
	DefaultWebSocketReadSize = 1 << 20
	// DefaultMaxDepth is the default of Config.MaxDepth.
	DefaultMaxDepth = 12
	// DefaultMaxSubscriptionsPerConnection is the default of Config.MaxSubscriptionsPerConnection.
	DefaultMaxSubscriptionsPerConnection = 100
	// DefaultMaxOperationsPerConnection is the default of Config.MaxOperationsPerConnection:
	// room for the subscriptions of DefaultMaxSubscriptionsPerConnection and as many queries
	// and mutations beside them.
	DefaultMaxOperationsPerConnection = 200
	// DefaultMaxSubscriptions is the default of Config.MaxSubscriptions.
	DefaultMaxSubscriptions = 10_000
	// DefaultMaxEventsBytes is the default of Config.MaxEventsBytes: a page of a hundred
	// events of a usual size (a few hundred bytes to a few KB) whole, fifty such pages in
	// one query, or sixteen of the largest events the domain writes.
	DefaultMaxEventsBytes = 16 << 20
	// DefaultStreamWriteTimeout is the default of Config.StreamWriteTimeout.
	DefaultStreamWriteTimeout = 10 * time.Second
)

// Config configures the GraphQL handler. The zero value is a good default.
type Config struct {
	// AllowedOrigins lists the browser origins ("https://app.example.com", scheme://host[:port])
	// that may call the API (CORS) and open a WebSocket besides the server's own host and
	// loopback hosts (localhost, *.localhost, loopback addresses); requests from other origins
	// get 403 ORIGIN_NOT_ALLOWED. "*" allows every origin. Requests without an Origin header
	// (non-browser clients) are always allowed.
	AllowedOrigins []string
	// ComplexityLimit rejects operations whose complexity exceeds it with
	// COMPLEXITY_LIMIT_EXCEEDED (default DefaultComplexityLimit). List fields count their
	// selection once per item they may hold: a paged list as many times as first asks for,
	// a menu's items and an order's items as many times as the domain allows items
	// (restaurant.MaxMenuItems, restaurant.MaxOrderItems); see complexityRoot.
	ComplexityLimit int
	// DisableIntrospection turns schema introspection off (it is on by default).
	DisableIntrospection bool
	// KeepAlive is the interval of WebSocket and SSE keep-alive pings (default DefaultKeepAlive).
	// A WebSocket client that answers no ping for two intervals is disconnected: the ping
	// message of graphql-transport-ws, or an RFC 6455 ping on a legacy graphql-ws connection,
	// whose protocol has none (browsers and WebSocket libraries answer those by themselves).
	// While large messages flow to a client its pong waits behind them, so then, and for the
	// longer of StreamWriteTimeout and two intervals after the last, StreamWriteTimeout alone
	// judges it.
	KeepAlive time.Duration
	// MaxBodyBytes limits a request body (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// WebSocketReadLimit limits one WebSocket message from a client (default DefaultWebSocketReadSize).
	WebSocketReadLimit int64
	// Logger receives internal errors and panics (default: the service's logger).
	Logger *slog.Logger
	// AuthTokens, when not empty, are the bearer tokens that mutations and subscriptions
	// require (see auth.go): HTTP "Authorization: Bearer <token>", or for a WebSocket the
	// connection_init payload or the upgrade request's header. Others get UNAUTHENTICATED.
	AuthTokens []string
	// AuthQueries makes queries require a token too (only with AuthTokens).
	AuthQueries bool
	// MaxDepth refuses operations nested deeper with DEPTH_LIMIT_EXCEEDED (default
	// DefaultMaxDepth; negative: no limit).
	MaxDepth int
	// MaxSubscriptionsPerConnection refuses further subscriptions on one WebSocket
	// connection with SUBSCRIPTION_LIMIT_EXCEEDED (default
	// DefaultMaxSubscriptionsPerConnection; negative: no limit).
	MaxSubscriptionsPerConnection int
	// MaxOperationsPerConnection refuses an operation (query, mutation or subscription) on a
	// WebSocket connection while that many run on it, with OPERATION_LIMIT_EXCEEDED, before
	// it is parsed (default DefaultMaxOperationsPerConnection, or 100 more than
	// MaxSubscriptionsPerConnection when that is larger; negative: no limit). Over HTTP every
	// request in flight takes a connection of its own; over a WebSocket, without it, one
	// client could start any number at once. A subscription runs until it ends, and counts:
	// keep this above MaxSubscriptionsPerConnection. With MaxSubscriptionsPerConnection
	// negative (no limit of their own), subscriptions are still bounded by this.
	MaxOperationsPerConnection int
	// MaxSubscriptions refuses a subscription, over WebSocket or Server-Sent Events, while
	// the endpoint serves that many, with SUBSCRIPTION_LIMIT_EXCEEDED (default
	// DefaultMaxSubscriptions; negative: no limit): the per-connection limit does not bound
	// what many connections hold together.
	MaxSubscriptions int
	// StreamWriteTimeout bounds the progress of a WebSocket's writes (default
	// DefaultStreamWriteTimeout; negative: no limit): each 32 KiB must reach the client
	// within it (see progressConn). A client that stopped reading is disconnected: its
	// connection is closed, which ends its subscriptions, rather than holding them, their
	// goroutines and the messages pending for them until it goes away; one that reads slowly
	// is served on. Server-Sent Events streams are written through the server's
	// ResponseWriter: bound them there (as cmd/api does, with StreamSendBuffer).
	StreamWriteTimeout time.Duration
	// Observer, when set, is told about every operation and subscription (see observe.go).
	Observer Observer
	// MaxEventsBytes bounds the bytes of the events that the events fields of one query
	// return together (default DefaultMaxEventsBytes; negative: no limit), counting each
	// event's id, stream id and type, and its data and metadata where the field selects
	// either (the page is read without them otherwise). The complexity limit counts an event's
	// data as a small object, but it may be a MiB (a whole menu), so that a few aliases of
	// pages of such events made a response of a gigabyte. A page ends early, with fewer
	// events than first, before an event that does not fit what is left (a client pages on
	// with afterPosition until a page is empty), and holds one event while any is left; an
	// events field that finds it spent fails with RESPONSE_TOO_LARGE.
	MaxEventsBytes int64
	// PersistedQueries is how many queries the server keeps for Automatic Persisted Queries
	// (Apollo's protocol: a client sends a query's SHA-256 hash instead of the query; see
	// persisted.go), the least recently used dropped first; 0 turns them off (a hash alone is
	// then answered PERSISTED_QUERY_NOT_SUPPORTED).
	PersistedQueries int
}

func (c Config) withDefaults(svc *service.Service) Config {
	if c.ComplexityLimit <= 0 {
		c.ComplexityLimit = DefaultComplexityLimit
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.WebSocketReadLimit <= 0 {
		c.WebSocketReadLimit = DefaultWebSocketReadSize
	}
	if c.Logger == nil {
		c.Logger = svc.Logger()
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxSubscriptionsPerConnection == 0 {
		c.MaxSubscriptionsPerConnection = DefaultMaxSubscriptionsPerConnection
	}
	if c.MaxOperationsPerConnection == 0 {
		c.MaxOperationsPerConnection = DefaultMaxOperationsPerConnection
		if subs := c.MaxSubscriptionsPerConnection; subs > 0 {
			// Room for the subscriptions and as many others as the defaults leave.
			c.MaxOperationsPerConnection = max(c.MaxOperationsPerConnection, subs+DefaultMaxOperationsPerConnection-DefaultMaxSubscriptionsPerConnection)
		}
	}
	if c.MaxSubscriptions == 0 {
		c.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if c.StreamWriteTimeout == 0 {
		c.StreamWriteTimeout = DefaultStreamWriteTimeout
	}
	if c.MaxEventsBytes == 0 {
		c.MaxEventsBytes = DefaultMaxEventsBytes
	}
	return c
}

// NewHandler returns the GraphQL endpoint over svc; mount it at /graphql. It serves OPTIONS,
// GET (queries only), POST, Server-Sent Events (POST, or GET, with Accept: text/event-stream) and
// WebSocket with the graphql-transport-ws and legacy graphql-ws subprotocols: the one the
// client lists first, graphql-ws for a client that offers none; a handshake that offers only
// others is refused with 400 (see refuseHandshake). Over GET and POST its statuses and
// bodies follow GraphQL over HTTP (see requestErrorStatus).
//
// Hijacked WebSocket connections outlive http.Server.Shutdown: give the server a BaseContext
// that is cancelled on shutdown so their subscriptions end. A subscription whose store is
// closed under it ends as at shutdown, so that its client reconnects: its WebSocket is
// closed with 1001 Going Away, its Server-Sent Events stream cut off without complete.
func NewHandler(svc *service.Service, cfg Config) http.Handler {
	cfg = cfg.withDefaults(svc)
	p := presenter{logger: cfg.Logger}
	auth := newTokens(cfg.AuthTokens)
	es := generated.NewExecutableSchema(executableConfig(svc, cfg.Logger))
	srv := handler.New(es)

	readLimit := cfg.WebSocketReadLimit
	// In gqlgen's order: the first transport that supports a request serves it.
	transports := []graphql.Transport{
		transport.Websocket{
			// wsGuard picks the subprotocol the client prefers, keeps gqlgen to the
			// subprotocols' rules on operation ids, close codes and error codes, and bounds
			// each write (gqlgen's adapter writes without a deadline).
			Implementation: wsGuard{
				WebsocketImplementation: coderWebsocket{
					// The origin is checked by cors before the upgrade, as any request's.
					opts: websocket.AcceptOptions{InsecureSkipVerify: true},
				},
				writeTimeout: cfg.StreamWriteTimeout,         // negative: no limit
				maxOps:       cfg.MaxOperationsPerConnection, // negative: no limit
				observer:     cfg.Observer,
				pingInterval: cfg.KeepAlive, // RFC 6455 pings of graphql-ws, which has none of its own
			},
			KeepAlivePingInterval: cfg.KeepAlive, // "ka" messages of graphql-ws
			PingPongInterval:      cfg.KeepAlive, // pings of graphql-transport-ws; no pong in 2 intervals closes
			InitTimeout:           30 * time.Second,
			InitFunc:              wsInit(auth, cfg.MaxSubscriptionsPerConnection, cfg.Observer),
			PayloadReadLimit:      &readLimit,
		},
		transport.Options{},
		transport.SSE{KeepAlivePingInterval: cfg.KeepAlive}, // before POST: both accept POST
		getTransport{},     // transport.GET with GraphQL over HTTP's statuses
		newPostTransport(), // transport.POST with a faster body decoder and those statuses
	}
	types := &variableTypes{}
	cache := newQueryCache() // bounded by bytes too: see queryCache
	srv.SetQueryCache(cache)
	srv.SetValidationRulesFn(validationRules)
	extensions := handlerExtensions(cfg, svc, auth, types)
	for _, x := range extensions {
		srv.Use(x)
	}
	cached := newCachedOperations(es.Schema(), cache, extensions)
	for _, t := range transports {
		srv.AddTransport(everyVariable{Transport: t, types: types, cached: cached})
	}
	srv.SetErrorPresenter(p.present)
	srv.SetRecoverFunc(p.recover)

	return http.MaxBytesHandler(ignoreH2C(cors(cfg.AllowedOrigins, authenticate(auth, markWebSocket(routeTransports(transports, cfg.MaxBodyBytes, cfg.Observer, guardStreams(srv)))))), cfg.MaxBodyBytes)
}

// handlerExtensions returns the endpoint's gqlgen extensions, in the order the executor is
// given them: its parameter and context mutators run in that order.
func handlerExtensions(cfg Config, svc *service.Service, auth tokens, types *variableTypes) []graphql.HandlerExtension {
	var extensions []graphql.HandlerExtension
	if cfg.Observer != nil {
		extensions = append(extensions, observed{cfg.Observer}) // first, so it sees what the other extensions refuse
	}
	extensions = append(extensions, operationCounter{}, streamDispatch{})
	if cfg.MaxEventsBytes > 0 {
		extensions = append(extensions, eventsBudget{bytes: cfg.MaxEventsBytes})
	}
	if !cfg.DisableIntrospection {
		extensions = append(extensions, extension.Introspection{}, introspectionLimit{})
	} else {
		extensions = append(extensions, noIntrospection{})
	}
	if auth.enabled() {
		extensions = append(extensions, authRequired{queries: cfg.AuthQueries})
	}
	if cfg.MaxDepth > 0 {
		extensions = append(extensions, depthLimit{max: cfg.MaxDepth})
	}
	if svc.BatchesEventIDs() {
		extensions = append(extensions, eventIDBatches{svc})
	}
	return append(extensions,
		listDefaults{},
		definitionLimit{},
		selectionLimit{},
		types,
		&complexityLimit{limit: cfg.ComplexityLimit}, // gqlgen's, with each fragment priced once
		transportRules{},
		serialMutations{},                          // a failed mutation field stops the later ones, as in graphql-js
		subscriptionStart{svc},                     // the head a live subscription starts after, in the client's order
		newSubscriptionLimit(cfg.MaxSubscriptions), // the last that may refuse: see there
		// Last: it keeps a query only once every other extension let it through.
		newPersistedQueries(cfg.PersistedQueries),
	)
}

// executableConfig builds gqlgen's configuration: the root resolver and the complexity
// functions (see complexityRoot).
func executableConfig(svc *service.Service, logger *slog.Logger) generated.Config {
	return generated.Config{
		Resolvers:  &Resolver{svc: svc, logger: logger},
		Complexity: complexityRoot(len(svc.Status()), readsOf(svc.Store())),
	}
}
