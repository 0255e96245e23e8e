package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// endedConnection reports whether a statement failed because the database had ended the
// pooled connection it took (an administrator's pg_terminate_backend, a restart, a
// failover, idle_session_timeout) before it answered, or before anything of it was sent:
// another of the pool's connections may be alive. A failure to connect is none: the
// database refused a new connection (it is down, or refuses connections), and trying again
// at once would get the same answer.
func endedConnection(err error) bool {
	if _, connect := errors.AsType[*pgconn.ConnectError](err); connect {
		return false
	}
	return droppedByServer(err) || pgconn.SafeToRetry(err)
}

// onLiveConnection runs op, a statement that may run twice (a read, or a save whose
// statement keeps the row further on), and runs it again, on another of the pool's
// connections, while it fails on a connection the database had ended (endedConnection):
// at most droppedTries times, and while ctx lasts, as commitGroup tries a group again.
// The pool hands out a connection that sat idle for less than a second unchecked, so
// after the database ended its connections a read failed with the FATAL the first of them
// held, on a healthy database.
func (s *Store) onLiveConnection(ctx context.Context, op func() error) error {
	err := op()
	for tries := 0; err != nil && ctx.Err() == nil && endedConnection(err) && tries < s.droppedTries(); tries++ {
		err = op()
	}
	return err
}

// droppedTries is how often a statement or a group is tried again after the database had
// ended the connection it took: maxDroppedTries, or one more than the pool's connections
// when it may hold more. Each ended connection a try takes leaves the pool, and after a
// restart every connection released in the last second is one, so a caller may meet all
// of them before a live one: pgx's default pool has a connection a processor.
func (s *Store) droppedTries() int {
	return max(maxDroppedTries, int(s.pool.Config().MaxConns)+1)
}
