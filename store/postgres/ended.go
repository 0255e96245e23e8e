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
// at most maxDroppedTries times, and while ctx lasts, as commitGroup tries a group again.
// The pool hands out a connection that sat idle for less than a second unchecked, so
// after the database ended its connections a read failed with the FATAL the first of them
// held, on a healthy database.
func onLiveConnection(ctx context.Context, op func() error) error {
	err := op()
	for tries := 0; err != nil && tries < maxDroppedTries && ctx.Err() == nil && endedConnection(err); tries++ {
		err = op()
	}
	return err
}
