package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
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
	return r.awaitCursor(ctx, minPosition)
}

// awaitCursor is await for a list's page: it also waits until the read models have processed
// the positions of the nodes the page's cursors name (see readmodel.Orders.CursorPosition),
// so that a cursor issued before a restart, or by a replica further ahead, is found rather
// than refused while the log replays. A position beyond the log's head is one no server of
// this log issued: BAD_USER_INPUT, not a wait for the consistency timeout.
func (r *Resolver) awaitCursor(ctx context.Context, minPosition *int64, cursors ...cursorAt) error {
	pos, err := position("minPosition", minPosition)
	if err != nil {
		return err
	}
	head := store.Position(-1) // not read yet
	for _, c := range cursors {
		if c.created == 0 || r.svc.Processed(c.created) { // the store is asked only when the read models are behind
			continue
		}
		if head < 0 {
			if head, err = r.svc.Head(ctx); err != nil {
				return err
			}
		}
		if c.created > head {
			return &readmodel.CursorError{Field: c.field}
		}
		if pos == nil || *pos < c.created {
			pos = &c.created
		}
	}
	if pos == nil {
		return nil
	}
	return r.svc.WaitFor(ctx, *pos)
}

// commandError returns the error of a command that failed: a version conflict gets the
// log's head, read now, so that the client can read the entity the conflict found with
// minPosition (the read models may lag behind the log that refused the command).
func (r *Resolver) commandError(ctx context.Context, err error) error {
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	head, herr := r.svc.Head(ctx)
	if herr != nil {
		return err
	}
	return &conflictSeen{err: err, head: head}
}

// conflictSeen is a version conflict with the log's head after it was found: every event
// that made the stream's version the one the conflict reports is at or before head.
type conflictSeen struct {
	err  error
	head store.Position
}

func (e *conflictSeen) Error() string { return e.err.Error() }
func (e *conflictSeen) Unwrap() error { return e.err }
