//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// startBinary starts the server binary with args (after --addr 127.0.0.1:0 and JSON logs)
// and returns the process and its address. The process is killed when the test ends.
func startBinary(tb testing.TB, bin string, args ...string) (*exec.Cmd, string) {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() { // read until the process ends, so its writes never block
			var l logLine
			if !sent && json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			tb.Fatal("server exited before listening")
		}
		return cmd, a
	case <-testCtx(tb).Done():
		tb.Fatal("server did not log its address")
	}
	return nil, ""
}

// TestBinary_killOneOfTwoServersLosesNoAcknowledgedWrite: clients write through two servers
// on one database; one server is killed with SIGKILL mid-load. Every write either server
// acknowledged is in the log and readable through the survivor, and the log has no gap.
// Clients retry a write whose server died on the other server with the same commandId, which
// returns the first result if the write had been committed.
func TestBinary_killOneOfTwoServersLosesNoAcknowledgedWrite(t *testing.T) {
	args := postgresArgs(t)
	bin := buildBinary(t)
	victim, addr := startBinary(t, bin, args...)
	survivor, _ := startMain(t, args...)
	ca, cb := newClient(t, "http://"+addr+"/graphql"), newClient(t, survivor.URL()+"/graphql")
	ctx := testCtx(t)

	const (
		writers   = 8
		perWriter = 40
		killAfter = 60 // acknowledged writes before the kill
	)
	type ack struct {
		id       string
		position int64
	}
	var (
		mu       sync.Mutex
		acks     []ack
		ackCount atomic.Int64
		retried  atomic.Int64
		kill     = make(chan struct{})
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	write := func(c *graphtest.Client, id string) (result, error) {
		resp, err := c.Query(ctx, createRestaurant, map[string]any{"in": map[string]any{
			"id": id, "name": "R " + id, "menu": menu("dish"), "commandId": "cmd-" + id,
		}})
		if err == nil {
			err = resp.Err()
		}
		if err != nil {
			return result{}, err
		}
		return decode[struct{ CreateRestaurant result }](t, resp.Data).CreateRestaurant, nil
	}
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := fmt.Sprintf("w%d-%d", w, i)
				c := cb
				if w%2 == 0 {
					c = ca
				}
				r, err := write(c, id)
				if err != nil && c == ca { // the victim died: retry on the survivor
					retried.Add(1)
					r, err = write(cb, id)
				}
				if err != nil {
					t.Errorf("write %s: %v", id, err)
					return
				}
				mu.Lock()
				acks = append(acks, ack{id, r.Position})
				mu.Unlock()
				if ackCount.Add(1) == killAfter {
					killOnce.Do(func() { close(kill) })
				}
			}
		})
	}
	<-kill
	if err := victim.Process.Kill(); err != nil { // SIGKILL: no shutdown at all
		t.Fatal(err)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d writes acknowledged, %d retried on the survivor after the kill", len(acks), retried.Load())

	// Every acknowledged write is in the log at the position it was acknowledged with,
	// and the read model of the survivor has it.
	var maxPos int64
	for _, a := range acks {
		maxPos = max(maxPos, a.position)
	}
	type event struct {
		Position int64
		StreamID string
		Type     string
	}
	byPosition := map[int64]event{}
	var after int64
	for {
		page := decode[struct{ Events []event }](t, gql(t, cb,
			`query($a: Int64) { events(afterPosition: $a, first: 100) { position streamId type } }`, map[string]any{"a": after})).Events
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Position != after+1 {
				t.Fatalf("the log jumps from position %d to %d", after, e.Position)
			}
			byPosition[e.Position] = e
			after = e.Position
		}
	}
	for _, a := range acks {
		if e := byPosition[a.position]; e.StreamID != "restaurant-"+a.id || e.Type != "RestaurantCreated" {
			t.Errorf("acknowledged write %s at position %d: the log has %+v there", a.id, a.position, e)
		}
	}
	n := decode[struct{ Restaurants struct{ TotalCount int } }](t, gql(t, cb,
		`query($p: Int64) { restaurants(minPosition: $p) { totalCount } }`, map[string]any{"p": maxPos})).Restaurants.TotalCount
	if n != writers*perWriter {
		t.Errorf("the survivor lists %d restaurants, want %d", n, writers*perWriter)
	}
}
