package postgres_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// pooler is a stand-in for PgBouncer in front of the test database: it accepts the startup
// parameters PgBouncer tracks, refuses a connection that sends any other as PgBouncer does
// ("unsupported startup parameter", SQLSTATE 08P01; unless it is listed in
// ignore_startup_parameters, which drops it), and relays the rest to the database. It
// returns the URL of the database through it; it stops when the test ends.
func pooler(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Contains(u.Host, ",") {
		t.Skipf("%s is not a postgres:// URL of one host, which this test needs to stand between", pgtest.EnvURL)
	}
	server := u.Host
	if u.Port() == "" {
		server = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tracked := map[string]bool{"user": true, "database": true, "client_encoding": true, "datestyle": true,
		"timezone": true, "standard_conforming_strings": true, "application_name": true}
	var wg sync.WaitGroup
	relay := func(client net.Conn) {
		defer client.Close()
		be := pgproto3.NewBackend(client, client)
		msg, err := be.ReceiveStartupMessage()
		for err == nil {
			if _, ok := msg.(*pgproto3.SSLRequest); !ok {
				break
			}
			if _, err = client.Write([]byte("N")); err == nil {
				msg, err = be.ReceiveStartupMessage()
			}
		}
		startup, ok := msg.(*pgproto3.StartupMessage)
		if err != nil || !ok {
			return
		}
		for name := range startup.Parameters {
			if !tracked[strings.ToLower(name)] {
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "08P01",
					Message: "unsupported startup parameter: " + name})
				_ = be.Flush()
				return
			}
		}
		db, err := net.Dial("tcp", server)
		if err != nil {
			return
		}
		defer db.Close()
		buf, err := startup.Encode(nil)
		if err != nil {
			return
		}
		if _, err := db.Write(buf); err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = io.Copy(db, client)
			_ = db.Close()
		}()
		_, _ = io.Copy(client, db)
		_ = client.Close()
		<-done
	}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { relay(c) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	through := *u
	through.Host = ln.Addr().String()
	return through.String()
}

// TestOpen_behindAPooler: the store works through a connection pooler such as PgBouncer (in
// session mode), which refuses a connection whose startup message holds a parameter it does
// not track. The store sent default_transaction_isolation and tcp_keepalives_* there, so
// Open failed with "unsupported startup parameter: tcp_keepalives_idle" out of the box;
// listing them in ignore_startup_parameters let it connect but dropped them, and the
// store's transactions then ran at the role's default isolation. It sets them once
// connected instead, over a URL's default isolation too.
func TestOpen_behindAPooler(t *testing.T) {
	raw := pgtest.URL(t)
	through := pooler(t, withParam(raw, "default_transaction_isolation", "serializable"))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, through, postgres.WithSchema(pgtest.Schema(t, raw)))
	if err != nil {
		t.Fatalf("Open through a pooler: %v", err)
	}
	defer s.Close()
	appendAndRead(t, s)
	var isolation, idle string
	if err := s.Pool().QueryRow(ctx, `SELECT current_setting('transaction_isolation'), current_setting('tcp_keepalives_idle')`).Scan(&isolation, &idle); err != nil {
		t.Fatal(err)
	}
	if isolation != "read committed" {
		t.Errorf("the store's transactions run at %q, want read committed", isolation)
	}
	if idle != "30" && idle != "30s" {
		t.Errorf("tcp_keepalives_idle = %q, want 30", idle)
	}
}
