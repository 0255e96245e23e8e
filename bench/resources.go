package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// resources holds the bounded-resource measurements.
type resources struct {
	events           int     // events in the log for the index measurements
	jsonlIndex       float64 // heap bytes per event held by an opened JSONL store
	commandIndex     float64 // heap bytes per command held by the command-id index
	memoryStore      float64 // heap bytes per event held by the memory store
	idleSubscribers  int
	idleSubMemory    float64 // heap+stack bytes per idle store subscriber (memory store)
	idleSubJSONL     float64 // the same for the JSONL store
	idleWSSubscriber float64 // heap+stack bytes per idle WebSocket subscription, server and client
	restart          restart // a server's start on a log of the reference domain
}

// liveBytes returns the live heap plus goroutine stacks after two collections.
func liveBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

func perItem(before, after uint64, n int) float64 {
	if after < before || n == 0 {
		return 0
	}
	return float64(after-before) / float64(n)
}

// fillStreams appends events in batches of 100, round robin over the given number of streams.
func fillStreams(ctx context.Context, st store.Store, events, streams int) error {
	const batch = 100
	versions := make([]store.Version, streams)
	for i := 0; i < events; i += batch {
		k := min(batch, events-i)
		s := (i / batch) % streams
		evs := make([]store.EventData, k)
		for j := range evs {
			evs[j] = store.EventData{Type: eventType, Data: eventData}
		}
		a, err := st.Append(ctx, fmt.Sprintf("order-%d", s), versions[s], evs...)
		if err != nil {
			return err
		}
		versions[s] = a.Version
	}
	return nil
}

// measureIndex reports the heap an opened JSONL log and a filled memory store hold per event.
func measureIndex(ctx context.Context, dir string, events, streams int) (jsonlPer, memoryPer float64, err error) {
	w, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		return 0, 0, err
	}
	if err := fillStreams(ctx, w, events, streams); err != nil {
		_ = w.Close()
		return 0, 0, err
	}
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	before := liveBytes()
	r, err := jsonl.Open(dir)
	if err != nil {
		return 0, 0, err
	}
	jsonlPer = perItem(before, liveBytes(), events)
	if err := r.Close(); err != nil {
		return 0, 0, err
	}
	runtime.KeepAlive(r)

	before = liveBytes()
	m := memory.New()
	if err := fillStreams(ctx, m, events, streams); err != nil {
		return 0, 0, err
	}
	memoryPer = perItem(before, liveBytes(), events)
	runtime.KeepAlive(m)
	return jsonlPer, memoryPer, m.Close()
}

// measureCommandIndex appends one command of one event each, round robin over 1,000 streams,
// with the metadata the command handler writes, and reports the heap a command-id index
// holds per command once it has read the log.
func measureCommandIndex(ctx context.Context, commands int) (float64, error) {
	const streams = 1000
	st := memory.New()
	defer st.Close()
	versions := make([]store.Version, streams)
	hash := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // a SHA-256 in hex, as Fingerprint writes
	for i := range commands {
		s := i % streams
		a, err := st.Append(ctx, fmt.Sprintf("order-%d", s), versions[s], store.EventData{Type: eventType, Data: eventData, Metadata: map[string]string{
			eventsourcing.MetadataCommandID:     fmt.Sprintf("command-%08d-4f1c-9a55-0d2f8c1e7b3a", i),
			eventsourcing.MetadataCommandHash:   hash,
			eventsourcing.MetadataCorrelationID: "c",
			eventsourcing.MetadataCausationID:   "c",
		}})
		if err != nil {
			return 0, err
		}
		versions[s] = a.Version
	}
	before := liveBytes()
	x := eventsourcing.NewCommandIndex(st)
	if _, _, err := x.Lookup(ctx, "absent"); err != nil { // reads the whole log
		return 0, err
	}
	per := perItem(before, liveBytes(), commands)
	runtime.KeepAlive(x)
	return per, nil
}

// measureIdleSubscribers starts n subscribers on st, waits until each has received the last
// event and is waiting for the next, and reports the heap and stack each one holds.
func measureIdleSubscribers(ctx context.Context, st store.Store, n int) (float64, error) {
	a, err := st.Append(ctx, "idle", store.Any, store.EventData{Type: eventType, Data: eventData})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	before := liveBytes()
	var (
		ready, done sync.WaitGroup
		errOnce     sync.Once
		firstErr    error
	)
	ready.Add(n)
	for range n {
		done.Go(func() {
			first := true
			for _, err := range st.Subscribe(ctx, a.Position-1) {
				if first {
					first = false
					if err != nil && ctx.Err() == nil {
						errOnce.Do(func() { firstErr = err })
					}
					ready.Done()
				}
			}
		})
	}
	ready.Wait()
	after := liveBytes()
	cancel()
	done.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return perItem(before, after, n), nil
}

// measureResources runs the resource measurements in fresh directories under base.
func measureResources(ctx context.Context, base string, events, subscribers int) (resources, error) {
	r := resources{events: events, idleSubscribers: subscribers}
	dir, err := mkdir(base, "index")
	if err != nil {
		return r, err
	}
	if r.jsonlIndex, r.memoryStore, err = measureIndex(ctx, dir, events, 1000); err != nil {
		return r, fmt.Errorf("index: %w", err)
	}
	if r.commandIndex, err = measureCommandIndex(ctx, events); err != nil {
		return r, fmt.Errorf("command index: %w", err)
	}
	if subscribers == 0 {
		return r, nil // -subscribers 0: no idle subscribers to measure
	}
	m := memory.New()
	r.idleSubMemory, err = measureIdleSubscribers(ctx, m, subscribers)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return r, fmt.Errorf("idle memory subscribers: %w", err)
	}
	if dir, err = mkdir(base, "idle"); err != nil {
		return r, err
	}
	j, err := jsonl.Open(dir)
	if err != nil {
		return r, err
	}
	r.idleSubJSONL, err = measureIdleSubscribers(ctx, j, subscribers)
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return r, fmt.Errorf("idle JSONL subscribers: %w", err)
	}
	return r, nil
}
