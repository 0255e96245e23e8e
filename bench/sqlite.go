package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// errSQLiteConflict is the optimistic-concurrency failure of the SQLite peer.
var errSQLiteConflict = errors.New("sqlite: version conflict")

// sqliteStore is an event table in SQLite (WAL, synchronous=FULL) with a unique
// (stream, version); every append is one transaction that checks the stream's version.
type sqliteStore struct {
	db *sql.DB
}

const sqliteSchema = `CREATE TABLE IF NOT EXISTS events (
	position INTEGER PRIMARY KEY,
	stream   TEXT NOT NULL,
	version  INT  NOT NULL,
	type     TEXT NOT NULL,
	data     TEXT NOT NULL,
	UNIQUE (stream, version)
)`

func openSQLite(ctx context.Context, dir string) (*sqliteStore, error) {
	// A file: URI: characters that would end the path are percent-encoded.
	path := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.Join(dir, "events.db"))
	dsn := "file:" + path +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer at a time; a pool would only add busy retries.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: schema: %w", err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2"} {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			_ = db.Close()
			return nil, fmt.Errorf("sqlite: %s is %q, want %q (%v)", pragma, got, want, err)
		}
	}
	return &sqliteStore{db: db}, nil
}

// appendOne appends one event to stream at expected version in its own transaction.
func (s *sqliteStore) appendOne(ctx context.Context, stream string, expected int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var actual int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", stream).Scan(&actual); err != nil {
		return err
	}
	if actual != expected {
		return fmt.Errorf("%w: %s at %d, expected %d", errSQLiteConflict, stream, actual, expected)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO events (stream, version, type, data) VALUES (?, ?, ?, ?)",
		stream, expected+1, eventType, string(eventData)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *sqliteStore) writer(id int) appendFunc {
	stream := streamName(id)
	var version int64
	return func(ctx context.Context) error {
		if err := s.appendOne(ctx, stream, version); err != nil {
			return err
		}
		version++
		return nil
	}
}

func (s *sqliteStore) fill(ctx context.Context, stream string, n int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for v := 1; v <= n; v++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO events (stream, version, type, data) VALUES (?, ?, ?, ?)",
			stream, v, eventType, string(eventData)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// sqliteEvent is one row read back.
type sqliteEvent struct {
	position, version int64
	stream, typ       string
	data              []byte
}

func (s *sqliteStore) read(ctx context.Context, stream string) (int, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT position, stream, version, type, data FROM events WHERE stream = ? AND version > ? ORDER BY version", stream, 0)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var e sqliteEvent
		if err := rows.Scan(&e.position, &e.stream, &e.version, &e.typ, &e.data); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (s *sqliteStore) close() error { return s.db.Close() }
