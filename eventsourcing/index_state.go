package eventsourcing

import (
	"fmt"
	"io"
	"math"

	"github.com/eventgraph/eventgraph/internal/binstate"
	"github.com/eventgraph/eventgraph/store"
)

// CommandIndexStateRevision is the revision of a CommandIndex's state (see
// StatefulProjection).
const CommandIndexStateRevision = "command-ids/1"

var _ StatefulProjection = (*CommandIndex)(nil)

// StateRevision returns CommandIndexStateRevision.
func (*CommandIndex) StateRevision() string { return CommandIndexStateRevision }

// WriteState writes the index: its hash key, the position it has indexed up to, its stream
// ids and where each command starts (see StatefulProjection). The position is the index's
// own, which a lookup's catch-up may have taken past the event the Runner applied last, or
// left behind it (Apply ignores events while a catch-up runs); a lookup after ReadState
// catches up from it, as ever.
func (x *CommandIndex) WriteState(w io.Writer) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	bw := binstate.NewWriter(w)
	bw.Uint(x.key[0])
	bw.Uint(x.key[1])
	bw.Int(int64(x.indexed))
	bw.Uint(uint64(len(x.streams.refs)))
	for n := range x.streams.refs {
		bw.String(x.streams.id(n))
	}
	bw.Uint(uint64(len(x.starts)))
	for h, w := range x.starts {
		bw.Uint(h)
		bw.Uint(w)
	}
	bw.Uint(uint64(len(x.more)))
	for h, more := range x.more {
		bw.Uint(h)
		bw.Uint(uint64(len(more)))
		for _, s := range more {
			bw.Uint(uint64(s.stream))
			bw.Int(int64(s.version))
		}
	}
	return bw.Flush()
}

// ReadState replaces the index with the one r holds (see StatefulProjection), waiting for
// a catch-up in flight; on error it changes nothing. A lookup that ran meanwhile looks
// again in the index read back.
func (x *CommandIndex) ReadState(r io.Reader) error {
	br := binstate.NewReader(r)
	key := [2]uint64{br.Uint(), br.Uint()}
	indexed := store.Position(br.Int())
	streams := newStreamNumbers()
	n := br.Count(math.MaxInt32)
	for i := 0; i < n && br.Err() == nil; i++ {
		if id := br.String(); br.Err() == nil && streams.number(id) != i {
			return fmt.Errorf("eventsourcing: command index: read state: %w: stream %q listed twice", binstate.ErrDamaged, id)
		}
	}
	nstarts := br.Count(math.MaxInt32)
	starts := make(map[uint64]uint64, br.Prealloc(nstarts))
	for i := 0; i < nstarts && br.Err() == nil; i++ {
		h, w := br.Uint(), br.Uint()
		if unpack(w).stream >= n {
			return fmt.Errorf("eventsourcing: command index: read state: %w: stream number %d of %d", binstate.ErrDamaged, unpack(w).stream, n)
		}
		starts[h] = w
	}
	var more map[uint64][]start
	nmore := br.Count(math.MaxInt32)
	for i := 0; i < nmore && br.Err() == nil; i++ {
		h := br.Uint()
		k := br.Count(math.MaxInt32)
		if more == nil {
			more = make(map[uint64][]start)
		}
		for j := 0; j < k && br.Err() == nil; j++ {
			s := start{stream: br.Count(n - 1), version: store.Version(br.Int())}
			more[h] = append(more[h], s)
		}
	}
	br.End()
	if err := br.Err(); err != nil {
		return fmt.Errorf("eventsourcing: command index: read state: %w", err)
	}
	if x.sem == nil {
		return errZeroIndex
	}
	x.sem <- struct{}{} // no catch-up, nor Apply, meanwhile
	defer func() { <-x.sem }()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.key, x.indexed, x.streams, x.starts, x.more = key, indexed, streams, starts, more
	x.last = batchEnd{} // the next event indexed is taken for a command's first: at worst a second candidate, which the log tells apart
	x.gen++
	return nil
}
