package jsonl_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// crashEnv names the directory a child process appends to; set only in the child.
const crashEnv = "JSONL_CRASH_CHILD_DIR"

// crashNoSyncEnv, set to 1 in the child, opens the store WithNoSync: an acknowledged append
// has been written to the kernel, so killing the process must not lose it either.
const crashNoSyncEnv = "JSONL_CRASH_CHILD_NOSYNC"

// TestCrashChild is the child of TestCrash: it appends batches from many goroutines until
// it is killed, printing each acknowledged append, and saves a checkpoint over and over,
// printing each saved one. Without crashEnv it does nothing.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		return // not the child
	}
	var opts []jsonl.Option
	if os.Getenv(crashNoSyncEnv) == "1" {
		opts = append(opts, jsonl.WithNoSync())
	}
	s, err := jsonl.Open(dir, opts...)
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() {
		// Each checkpoint names itself in every field, so a torn one shows; positions go on
		// from the last run's.
		c, err := s.Checkpoint(context.Background(), crashCheckpoint)
		if err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(2)
		}
		for n := c.Position + 1; ; n++ {
			if err := s.SaveCheckpoint(context.Background(), crashCheckpoint, crashCheckpointAt(n)); err != nil {
				fmt.Printf("error %v\n", err)
				os.Exit(2)
			}
			out.Lock()
			fmt.Printf("checkpoint %d\n", n)
			out.Unlock()
		}
	})
	for w := range 8 {
		wg.Go(func() {
			for seq := 0; ; seq++ {
				n := 1 + (w+seq)%4
				batch := fmt.Sprintf("%d-%d-%d", os.Getpid(), w, seq)
				events := make([]store.EventData, n)
				for i := range events {
					events[i] = store.EventData{Type: "Crashed",
						Data: fmt.Appendf(nil, `{"batch":%q,"i":%d,"n":%d}`, batch, i, n)}
				}
				stream := fmt.Sprintf("w%d-%d", w, seq%3)
				a, err := s.Append(context.Background(), stream, store.Any, events...)
				if err != nil {
					fmt.Printf("error %v\n", err)
					os.Exit(2)
				}
				out.Lock()
				fmt.Printf("ack %s %d %d %d\n", stream, a.Version, a.Position, n)
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

// crashCheckpoint is the name the crash child saves its checkpoints under.
const crashCheckpoint = "saga:crash"

// crashCheckpointAt is the checkpoint the crash child saves n-th.
func crashCheckpointAt(n store.Position) store.Checkpoint {
	return store.Checkpoint{Position: n, EventID: fmt.Sprintf("e%d", n), Head: n + 1, HeadEventID: fmt.Sprintf("h%d", n+1)}
}

type ack struct {
	stream   string
	version  store.Version
	position store.Position
	n        int
}

func TestCrash(t *testing.T) {
	t.Run("durable", func(t *testing.T) { testCrash(t, "0") })
	t.Run("no sync", func(t *testing.T) { testCrash(t, "1") })
}

// testCrash kills a child appending to one log (WithNoSync when noSync is "1") 20 times
// and checks the log after each kill.
func testCrash(t *testing.T, noSync string) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var acks []ack
	var saved store.Position // the last checkpoint a child acknowledged
	for round := range 20 {
		cmd, stdout := startCrashChild(t, exe, dir, noSync)
		killAfter := 1 + rand.IntN(300)
		sc := bufio.NewScanner(stdout)
		seen := 0
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "error ") {
				t.Errorf("round %d: child: %s", round, line)
			}
			var n store.Position
			if _, err := fmt.Sscanf(line, "checkpoint %d", &n); err == nil {
				saved = n
				continue
			}
			var a ack
			if _, err := fmt.Sscanf(line, "ack %s %d %d %d", &a.stream, &a.version, &a.position, &a.n); err != nil {
				continue
			}
			acks = append(acks, a)
			if seen++; seen == killAfter {
				cmd.Process.Kill() // SIGKILL; the acks already in the pipe are still read
			}
		}
		cmd.Wait()
		checkCrashLog(t, dir, round, acks)
		saved = checkCrashCheckpoint(t, dir, round, saved) // the next child goes on from it
	}
}

// startCrashChild starts a child appending to dir, and returns it with its standard output.
// A start that fails is tried again, twice: Wine's process creation failed now and then
// ("fork/exec ...: Internal error", once in a fresh-clone CI run, not again in the next), and a
// child that never started wrote nothing, so the round is the same.
func startCrashChild(t *testing.T, exe, dir, noSync string) (*exec.Cmd, io.Reader) {
	t.Helper()
	var err error
	for attempt := range 3 {
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, crashNoSyncEnv+"="+noSync)
		cmd.Stderr = os.Stderr
		stdout, perr := cmd.StdoutPipe()
		if perr != nil {
			t.Fatal(perr)
		}
		if err = cmd.Start(); err == nil {
			return cmd, stdout
		}
		t.Logf("starting the child, attempt %d: %v", attempt+1, err)
	}
	t.Fatal(err)
	return nil, nil
}

// checkCrashLog reopens the log and checks that every acknowledged append is there with
// its positions and versions, that batches are whole, and that positions and versions are
// contiguous.
func checkCrashLog(t *testing.T, dir string, round int, acks []ack) {
	t.Helper()
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("round %d: Open after kill: %v", round, err)
	}
	defer s.Close()
	all := readAll(t, s)
	versions := map[string]store.Version{}
	for i, e := range all {
		if e.Position != store.Position(i+1) || e.Version != versions[e.StreamID]+1 {
			t.Fatalf("round %d: event %d at position %d has version %d after %d", round, i, e.Position, e.Version, versions[e.StreamID])
		}
		versions[e.StreamID] = e.Version
		var d struct {
			Batch string
			I, N  int
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		first := i - d.I // the batch's first event
		if first < 0 || first+d.N > len(all) {
			t.Fatalf("round %d: batch %s at position %d is not whole", round, d.Batch, e.Position)
		}
		if !strings.Contains(string(all[first].Data), fmt.Sprintf(`"batch":%q,"i":0`, d.Batch)) ||
			!strings.Contains(string(all[first+d.N-1].Data), fmt.Sprintf(`"batch":%q,"i":%d`, d.Batch, d.N-1)) {
			t.Fatalf("round %d: batch %s around position %d is not whole and contiguous", round, d.Batch, e.Position)
		}
	}
	for _, a := range acks {
		for k := range a.n {
			p := int(a.position) - a.n + 1 + k
			if p < 1 || p > len(all) {
				t.Fatalf("round %d: acknowledged %+v lost: the log has %d events", round, a, len(all))
			}
			e := all[p-1]
			if e.StreamID != a.stream || e.Version != a.version-store.Version(a.n-1-k) {
				t.Fatalf("round %d: acknowledged %+v: position %d holds %s version %d", round, a, p, e.StreamID, e.Version)
			}
		}
	}
	if rep := s.Recovery(); rep.TornBytes > 0 {
		t.Logf("round %d: cut a torn tail of %d bytes (%d lines)", round, rep.TornBytes, rep.TornLines)
	}
}

// checkCrashCheckpoint reopens the log and checks that the checkpoint is whole and is the
// last one acknowledged or the one being saved when the child was killed; it returns its
// position.
func checkCrashCheckpoint(t *testing.T, dir string, round int, saved store.Position) store.Position {
	t.Helper()
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("round %d: Open after kill: %v", round, err)
	}
	defer s.Close()
	c, err := s.Checkpoint(context.Background(), crashCheckpoint)
	if err != nil {
		t.Fatalf("round %d: the checkpoint after the kill: %v", round, err)
	}
	if c == (store.Checkpoint{}) && saved == 0 {
		return 0 // killed before the first save
	}
	if c != crashCheckpointAt(c.Position) || c.Position < saved || c.Position > saved+1 {
		t.Fatalf("round %d: checkpoint %+v after the kill; the last acknowledged was %d", round, c, saved)
	}
	return c.Position
}
