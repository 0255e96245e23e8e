package graph

import (
	"context"
	"log/slog"

	"github.com/eventgraph/eventgraph/service"
)

// Resolver is the root resolver: it holds the server's dependencies and nothing else.
// Resolvers translate GraphQL arguments to commands and queries of the service and its
// results back to GraphQL models (convert.go); they hold no business rules.
type Resolver struct {
	svc    *service.Service
	logger *slog.Logger
}

// await waits until the read models have processed minPosition, when it is given.
func (r *Resolver) await(ctx context.Context, minPosition *int64) error {
	pos, err := position("minPosition", minPosition)
	if err != nil || pos == nil {
		return err
	}
	return r.svc.WaitFor(ctx, *pos)
}
