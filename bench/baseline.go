package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// errBaselineConflict reports a version check that failed in a baseline (a harness bug).
var errBaselineConflict = errors.New("baseline: version conflict")

// fileLog is the raw file baseline: every append writes one pre-built line with write(2)
// under a mutex, then fdatasyncs if sync is set. With one writer and sync this is the raw
// write+fdatasync loop; without sync it is the write-only floor.
type fileLog struct {
	mu   sync.Mutex
	f    *os.File
	line []byte
	sync bool
}

func openFileLog(dir string, sync bool) (*fileLog, error) {
	f, err := os.OpenFile(filepath.Join(dir, "raw.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &fileLog{f: f, line: logLine(), sync: sync}, nil
}

func (l *fileLog) writer(int) appendFunc {
	return func(context.Context) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if _, err := l.f.Write(l.line); err != nil {
			return err
		}
		if l.sync {
			return datasync(l.f)
		}
		return nil
	}
}

func (l *fileLog) close() error { return l.f.Close() }

// groupCommit is the naive group-commit baseline: writers hand their line to one goroutine,
// which writes everything already pending in one write(2), fdatasyncs once (when sync is set)
// and acknowledges them all. It is naive on purpose: it never waits for a group to form, so
// with many writers the groups stay small (the writers it just woke have not re-sent yet), and
// the report gives the events each group carried. Without sync it is the group write, the
// no-sync log's second baseline for more than one writer.
type groupCommit struct {
	f    *os.File
	line []byte
	sync bool
	reqs chan chan error
	done chan struct{}

	groups, events atomic.Int64 // writes (and syncs) made, and the events they carried
}

func openGroupCommit(dir string, sync bool) (*groupCommit, error) {
	f, err := os.OpenFile(filepath.Join(dir, "group.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	g := &groupCommit{f: f, line: logLine(), sync: sync, reqs: make(chan chan error, 1024), done: make(chan struct{})}
	go g.loop()
	return g, nil
}

func (g *groupCommit) loop() {
	defer close(g.done)
	var (
		buf     []byte
		pending []chan error
	)
	for first := range g.reqs {
		pending = append(pending[:0], first)
	drain:
		for {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break drain
				}
				pending = append(pending, r)
			default:
				break drain
			}
		}
		buf = buf[:0]
		for range pending {
			buf = append(buf, g.line...)
		}
		_, err := g.f.Write(buf)
		if err == nil && g.sync {
			err = datasync(g.f)
		}
		g.groups.Add(1)
		g.events.Add(int64(len(pending)))
		for _, r := range pending {
			r <- err
		}
	}
}

// perGroup returns the average events per write (and per fdatasync, with sync) so far, 0
// before the first.
func (g *groupCommit) perGroup() float64 {
	n := g.groups.Load()
	if n == 0 {
		return 0
	}
	return float64(g.events.Load()) / float64(n)
}

func (g *groupCommit) writer(int) appendFunc {
	ack := make(chan error, 1)
	return func(ctx context.Context) error {
		select {
		case g.reqs <- ack:
		case <-ctx.Done():
			return ctx.Err()
		}
		return <-ack
	}
}

func (g *groupCommit) close() error {
	close(g.reqs)
	<-g.done
	return g.f.Close()
}

// record is what the map+mutex baseline keeps per event.
type record struct {
	version int64
	typ     string
	data    []byte
}

// mapMutex is the bare in-memory baseline: a map of streams to records under one mutex,
// with the version check every event store makes.
type mapMutex struct {
	mu      sync.Mutex
	streams map[string][]record
	all     []record
}

func newMapMutex() *mapMutex { return &mapMutex{streams: make(map[string][]record)} }

func (m *mapMutex) writer(id int) appendFunc {
	stream := streamName(id)
	var version int64
	return func(context.Context) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		recs := m.streams[stream]
		if int64(len(recs)) != version {
			return fmt.Errorf("%w: %s at %d, expected %d", errBaselineConflict, stream, len(recs), version)
		}
		version++
		r := record{version: version, typ: eventType, data: eventData}
		m.streams[stream] = append(recs, r)
		m.all = append(m.all, r)
		return nil
	}
}

func (m *mapMutex) close() error { return nil }
