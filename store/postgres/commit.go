package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// Group commit limits: a group closes when it holds this many appends or events.
const (
	maxGroupAppends = 256
	maxGroupEvents  = 4096
	groupTimeout    = time.Minute // how long one group may take to commit
)

// runCommitter commits the appends handed to it until the store is closed. Appends that
// arrive while a group is committing form the next group: one round trip, one transaction
// and one commit (one WAL flush) for all of them, which is what lets concurrent writers
// through, as the log head lock lets only one transaction append at a time.
//
// Each append of a group is one call of append_events in the group's transaction; a
// version conflict is that call's result, not an error, so it fails only its own append.
func (s *Store) runCommitter() {
	var group []*request
	for {
		select {
		case r := <-s.requests:
			group = append(group[:0], r)
		case <-s.done:
			return
		}
		events := len(group[0].ids)
	gather:
		for len(group) < maxGroupAppends && events < maxGroupEvents {
			select {
			case r := <-s.requests:
				group = append(group, r)
				events += len(r.ids)
			default:
				break gather
			}
		}
		s.commitGroup(group)
		clear(group)
	}
}

// commitGroup commits the group and reports each append's outcome. When the group fails as
// a whole (it was rolled back) it commits each append alone, so an append that the database
// refuses fails alone.
func (s *Store) commitGroup(group []*request) {
	err := s.commitBatch(group)
	if err != nil && len(group) > 1 {
		for _, r := range group {
			if err := s.commitBatch([]*request{r}); err != nil {
				r.err = err
			}
		}
	} else if err != nil {
		group[0].err = err
	}
	s.wake.broadcast()
	for _, r := range group {
		close(r.done)
	}
}

// commitBatch runs the group's append_events calls as one pipelined batch, which
// PostgreSQL runs as one implicit transaction committed at its end. It sets each append's
// result or conflict only when the transaction committed.
func (s *Store) commitBatch(group []*request) error {
	b := &pgx.Batch{}
	for _, r := range group {
		b.Queue(s.sql.appendEvents, r.stream, r.expected, r.ids, r.types, r.time, r.data, r.metadata, s.channel)
	}
	// Not a caller's context: the group belongs to several callers, and Close waits for it;
	// the bound keeps an unreachable database from holding Close forever.
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	br := s.pool.SendBatch(ctx, b)
	type outcome struct {
		ok            bool
		version, head int64
	}
	out := make([]outcome, len(group))
	for i := range group {
		if err := br.QueryRow().Scan(&out[i].ok, &out[i].version, &out[i].head); err != nil {
			_ = br.Close()
			return err
		}
	}
	if err := br.Close(); err != nil {
		return err
	}
	for i, r := range group {
		if !out[i].ok {
			r.err = &store.ConflictError{Actual: store.Version(out[i].version)}
			continue
		}
		r.result = store.Appended{Version: store.Version(out[i].version), Position: store.Position(out[i].head)}
	}
	return nil
}
