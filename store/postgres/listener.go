package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// connectListener opens the dedicated connection that LISTENs on the store's channel.
func connectListener(ctx context.Context, cfg *pgx.ConnConfig, channel string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: listen: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	return conn, nil
}

// runListener wakes the subscribers on every notification until ctx ends. When the
// connection fails it wakes them (they re-read the table, and keep polling on their timer
// meanwhile) and reconnects with a growing delay.
func (s *Store) runListener(ctx context.Context, cfg *pgx.ConnConfig, conn *pgx.Conn) {
	const minDelay, maxDelay = 50 * time.Millisecond, 5 * time.Second
	delay := minDelay
	for {
		if conn != nil {
			_, err := conn.WaitForNotification(ctx)
			if err == nil {
				delay = minDelay
				s.wake.broadcast()
				continue
			}
			_ = conn.Close(context.WithoutCancel(ctx))
			conn = nil
			if ctx.Err() != nil {
				return
			}
			s.wake.broadcast()
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, maxDelay)
		c, err := connectListener(ctx, cfg.Copy(), s.channel)
		if err != nil {
			continue
		}
		conn = c
		s.wake.broadcast() // anything appended while we were not listening
	}
}
