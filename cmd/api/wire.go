package main

import (
	"log/slog"
	"net/http"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/service"
)

// graphHandler returns the /graphql endpoint over svc, configured by c.
func graphHandler(svc *service.Service, c Config, logger *slog.Logger, observer graph.Observer) http.Handler {
	return graph.NewHandler(svc, graph.Config{
		AllowedOrigins:                c.AllowedOrigins,
		ComplexityLimit:               c.ComplexityLimit,
		DisableIntrospection:          !c.Introspection,
		KeepAlive:                     c.KeepAlive,
		MaxBodyBytes:                  c.MaxBodyBytes,
		WebSocketReadLimit:            c.MaxBodyBytes,
		Logger:                        logger,
		Observer:                      observer,
		AuthTokens:                    c.Tokens(),
		AuthQueries:                   c.AuthQueries,
		MaxDepth:                      graphLimit(c.MaxDepth),
		MaxEventsBytes:                graphLimit(c.MaxEventsBytes),
		MaxSubscriptionsPerConnection: graphLimit(c.MaxSubscriptionsPerConnection),
		MaxOperationsPerConnection:    graphLimit(c.MaxOperationsPerConnection),
		MaxSubscriptions:              graphLimit(c.MaxSubscriptions),
		PersistedQueries:              c.PersistedQueries,
		StreamWriteTimeout:            graphTimeout(c.StreamWriteTimeout),
	})
}
