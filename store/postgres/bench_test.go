package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// benchEvent is a typical event: an order with two items.
func benchEvent() store.EventData {
	return store.EventData{
		Type: "OrderCreated",
		Data: []byte(`{"orderId":"0b5c2a4e-6f1d-4a53-9c1e-2f6d8a7b9c10","restaurantId":"r-17","menuItems":[{"menuItemId":"m1","name":"Pizza Margherita","price":"8.99"},{"menuItemId":"m2","name":"Tiramisu","price":"4.50"}]}`),
		Metadata: map[string]string{
			"commandId":     "3f2a9b1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
			"correlationId": "3f2a9b1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
		},
	}
}

// BenchmarkPostgres measures appends of one event (each its own transaction) by 1, 16 and
// 64 concurrent writers, each on its own stream, and reading a stream of 1,000 events:
//
//	source .ci/postgres.sh && go test -run '^$' -bench Postgres ./store/postgres; postgres_stop
//
// Appends commit one at a time (see the package documentation), so their rate is bounded
// by the database's commit latency; the pool has one connection per writer.
func BenchmarkPostgres(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("append/writers=%d", writers), func(b *testing.B) {
			s, url := open(b)
			s.Close()
			s = openSame(b, withPoolSize(url, writers), s)
			ev := benchEvent()
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					stream := fmt.Sprint("order-", w)
					for i := w; i < b.N; i += writers {
						if _, err := s.Append(b.Context(), stream, store.Any, ev); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
	// Appends by 16 writers while another connection holds a transaction open on an old
	// snapshot all along, as pg_dump or a long report does: PostgreSQL then keeps every
	// version of a row updated meanwhile, so an append that updated one row shared by all
	// (the log's head, as migrations before 0006 did) walked a longer chain of them each time.
	b.Run("append/writers=16/oldSnapshot", func(b *testing.B) {
		s, url := open(b)
		s.Close()
		s = openSame(b, withPoolSize(url, 16), s)
		ev := benchEvent()
		if _, err := s.Append(b.Context(), "order-0", store.Any, ev); err != nil {
			b.Fatal(err)
		}
		conn, err := pgx.Connect(b.Context(), url)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(context.WithoutCancel(b.Context()))
		tx, err := conn.BeginTx(b.Context(), pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(context.WithoutCancel(b.Context()))
		var n int64 // the snapshot is taken by the transaction's first query
		if err := tx.QueryRow(b.Context(), `SELECT count(*) FROM `+pgx.Identifier{s.Schema(), "events"}.Sanitize()).Scan(&n); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := w; i < b.N; i += 16 {
					if _, err := s.Append(b.Context(), fmt.Sprint("order-", w), store.Any, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("append/batch=100", func(b *testing.B) {
		s, _ := open(b)
		batch := make([]store.EventData, 100)
		for i := range batch {
			batch[i] = benchEvent()
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Append(b.Context(), "order-batch", store.Any, batch...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	// Appends by 16 writers while 64 subscribers of the same Store receive every event; the
	// rate counts events appended (each delivered 64 times).
	b.Run("append/writers=16/subscribers=64", func(b *testing.B) {
		s, url := open(b)
		s.Close()
		s = openSame(b, withPoolSize(url, 16), s)
		const subscribers = 64
		var subs sync.WaitGroup
		errs := make(chan error, subscribers)
		for range subscribers {
			subs.Go(func() {
				n := 0
				for _, err := range s.Subscribe(b.Context(), 0) {
					if err != nil {
						errs <- err
						return
					}
					if n++; n == b.N {
						return
					}
				}
			})
		}
		ev := benchEvent()
		b.ResetTimer()
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := w; i < b.N; i += 16 {
					if _, err := s.Append(b.Context(), fmt.Sprint("order-", w), store.Any, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		subs.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("readstream/1000", func(b *testing.B) {
		s, _ := open(b, postgres.WithPageSize(1000))
		batch := make([]store.EventData, 1000)
		for i := range batch {
			batch[i] = benchEvent()
		}
		if _, err := s.Append(b.Context(), "order-read", store.NoStream, batch...); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Append(b.Context(), "other", store.NoStream, batch...); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		events := 0
		for i := 0; i < b.N; i++ {
			for _, err := range s.ReadStream(b.Context(), "order-read", 0) {
				if err != nil {
					b.Fatal(err)
				}
				events++
			}
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
}
