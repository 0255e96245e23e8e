package storetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// The model check (see checkModel) runs random sequences of operations against a store and
// against a reference model of the contract: a slice of events and each stream's version.
// An operation is encoded in opSize bytes, so that a sequence is a byte string: one made
// from a seed for the conformance check, or given by the fuzzer (FuzzModel), and a sequence
// shrinks by dropping whole operations.

// opSize is the number of bytes that encode one operation.
const opSize = 8

// bulkBatch is the size of the model check's few large batches.
const bulkBatch = 500

// Operation kinds, chosen by an operation's first byte modulo kindSpan: the spans give
// appends about half the operations.
type opKind int

const (
	opAppend opKind = iota
	opAppendEvents
	opAppendInvalid
	opReadStream
	opReadStreamTypes
	opReadAll
	opReadAllTypes
	opSubscribe
	opHead
	opStreamVersion
	opReopen
	opSaveSnapshot
	opSnapshot
	opSaveCheckpoint
	opCheckpoint
	opLive
)

// kindSpans maps an operation's first byte, modulo len, to its kind.
var kindSpans = []opKind{
	opAppend, opAppend, opAppend, opAppend, opAppend, opAppend, opAppend, opAppend, opAppend, opAppend,
	opAppendEvents, opAppendEvents,
	opAppendInvalid, opAppendInvalid,
	opReadStream, opReadStream, opReadStream,
	opReadStreamTypes, opReadStreamTypes,
	opReadAll, opReadAll, opReadAll,
	opReadAllTypes, opReadAllTypes,
	opSubscribe,
	opHead,
	opStreamVersion, opStreamVersion,
	opReopen,
	opSaveSnapshot, opSnapshot, opSaveCheckpoint, opCheckpoint,
	opLive, opLive, opLive,
}

// modelStreams are the streams the operations append to, opaque strings as any; reads ask
// for one more that is never appended to.
func modelStreams() []string {
	return []string{"a", "b", "c", " leading and trailing ", "ünï 😀", "nul\x00tab\t"}
}

const neverStream = "never appended to"

// modelTypes are the event types appended; queries by type may also name a missing one.
func modelTypes() []string { return []string{"A", "B", "a", "ü 日本"} }

// modelMetadata are the metadata an appended event may carry.
func modelMetadata() []map[string]string {
	return []map[string]string{
		nil,
		{},
		{"commandId": "c-1", "correlationId": "corr"},
		{"empty": "", "line": "one\ntwo \u2028 \"quoted\" \\"},
	}
}

// model is the reference: what a correct store holds after the operations so far.
// An event's ID and Time are learned from the store the first time it returns them when
// the store chose them (an empty id given; every time), and must not change after.
type model struct {
	events      []store.Event // by position - 1
	versions    map[string]store.Version
	snapshots   map[string]store.Snapshot
	checkpoints map[string][]store.Checkpoint // those a store may hold (see saveCheckpoint)
}

func newModel() *model {
	return &model{versions: map[string]store.Version{}, snapshots: map[string]store.Snapshot{}, checkpoints: map[string][]store.Checkpoint{}}
}

func (m *model) head() store.Position { return store.Position(len(m.events)) }

// accepts reports whether a stream at the model's version satisfies expected.
func (m *model) accepts(stream string, expected store.Version) bool {
	return store.CheckVersion(stream, expected, m.versions[stream]) == nil
}

// append commits events to stream as a correct store would, and returns what Append
// reports.
func (m *model) append(stream string, events []store.EventData) store.Appended {
	for _, e := range events {
		m.versions[stream]++
		m.events = append(m.events, store.Event{
			ID: e.ID, StreamID: stream, Version: m.versions[stream], Position: m.head() + 1,
			Type: e.Type, Data: compact(string(e.Data)), Metadata: e.Metadata,
		})
	}
	return store.Appended{Version: m.versions[stream], Position: m.head()}
}

// match compares what the store returned for the event at position p with the model,
// learning the event's id and time if the model does not know them yet, and returns the
// difference or "".
func (m *model) match(p store.Position, got store.Event) string {
	if p < 1 || p > m.head() {
		return fmt.Sprintf("event at position %d, which the model does not hold (head %d)", got.Position, m.head())
	}
	want := &m.events[p-1]
	if want.ID == "" {
		if got.ID == "" {
			return fmt.Sprintf("event at position %d has an empty id", p)
		}
		want.ID = got.ID
	}
	if want.Time.IsZero() {
		if got.Time.IsZero() {
			return fmt.Sprintf("event at position %d has no time", p)
		}
		want.Time = got.Time.In(time.UTC)
	}
	return diffEvent(*want, got)
}

// matchAll compares events the store yielded with the model's events at positions (the
// ones it should have yielded, in order), of which it may have yielded a prefix of stopAt
// when stopAt > 0 (the caller stopped there).
func (m *model) matchAll(positions []store.Position, got []store.Event, stopAt int) string {
	wantN := len(positions)
	if stopAt > 0 && stopAt < wantN {
		wantN = stopAt
	}
	for i := range min(len(got), wantN) {
		if d := m.match(positions[i], got[i]); d != "" {
			return fmt.Sprintf("event %d (want position %d): %s", i, positions[i], d)
		}
	}
	if len(got) != wantN {
		return fmt.Sprintf("yielded %d events (positions %s), want %d (positions %s)", len(got), eventPositions(got), wantN, fmtPositions(positions[:wantN]))
	}
	return ""
}

// positions returns the positions of the model's events for which keep is true, after the
// position after.
func (m *model) positions(after store.Position, keep func(store.Event) bool) []store.Position {
	var out []store.Position
	for _, e := range m.events[min(max(after, 0), m.head()):] {
		if keep(e) {
			out = append(out, e.Position)
		}
	}
	return out
}

func eventPositions(events []store.Event) string {
	ps := make([]store.Position, len(events))
	for i, e := range events {
		ps[i] = e.Position
	}
	return fmtPositions(ps)
}

func fmtPositions(ps []store.Position) string {
	if len(ps) > 12 {
		return fmt.Sprintf("%v ... %v", ps[:6], ps[len(ps)-6:])
	}
	return fmt.Sprint(ps)
}

// opBytes is one operation's encoding.
type opBytes [opSize]byte

func (o opBytes) kind() opKind { return kindSpans[int(o[0])%len(kindSpans)] }

// decodeOps splits data into operations, ignoring a trailing partial one.
func decodeOps(data []byte) []opBytes {
	ops := make([]opBytes, len(data)/opSize)
	for i := range ops {
		copy(ops[i][:], data[i*opSize:])
	}
	return ops
}

func encodeOps(ops []opBytes) []byte {
	out := make([]byte, 0, len(ops)*opSize)
	for _, o := range ops {
		out = append(out, o[:]...)
	}
	return out
}

// expectedVersion picks, from b, an expected version for an append to a stream at version
// v: right (exactly v, or a mode that v satisfies) or wrong, in every mode.
func expectedVersion(b byte, v store.Version) store.Version {
	switch b % 9 {
	case 0, 1, 2:
		return v
	case 3:
		return store.Any
	case 4:
		return store.NoStream
	case 5:
		return store.StreamExists
	case 6:
		return v + 1
	case 7:
		if v >= 2 {
			return v - 1
		}
		return v + 2
	}
	return store.Version(b / 9 % 6)
}

// afterVersion picks, from b and c, a version to read a stream at version v after: before
// its start, at it, anywhere in it, at its end, past it, far past it.
func afterVersion(b, c byte, v store.Version) store.Version {
	switch b % 8 {
	case 0:
		return -1
	case 1:
		return 0
	case 2:
		return v
	case 3:
		return v + 1 + store.Version(c%3)
	case 4:
		return 1<<32 + store.Version(c%3) // a reader that wraps to 32 bits would start over
	}
	return store.Version(int(c) % (int(v) + 1))
}

// typeSet picks, from b, a set of types to query: one, several, one named twice, a missing
// one, none.
func typeSet(b byte) []string {
	types := modelTypes()
	if b%16 == 15 {
		return nil
	}
	var set []string
	for i, t := range types {
		if b&(1<<i) != 0 {
			set = append(set, t)
		}
	}
	if b&0x10 != 0 {
		set = append(set, "missing")
	}
	if b&0x20 != 0 && len(set) > 0 {
		set = append(set, set[0])
	}
	return set
}

// readLimit picks, from b, how many events a read takes before its caller stops it early,
// 0 for all.
func readLimit(b byte) int {
	if b%4 != 0 {
		return 0
	}
	return int(b/4%5) + 1
}

// eventsFor builds the batch an append operation writes: n events whose types, data
// spellings, metadata and ids (given or left to the store) come from the operation's bytes,
// with data and ids that tell the operation (the step-th of its sequence) and the event apart.
// A few batches are large, so that a sequence's log grows past what stores read in one
// chunk or keep in a cache.
func eventsFor(o opBytes, step int) []store.EventData {
	n := int(o[3]%4) + 1
	switch {
	case o[3] >= 250:
		n = bulkBatch
	case o[3] >= 240:
		n = 12
	}
	types, metas, spellings := modelTypes(), modelMetadata(), jsonSpellings()
	events := make([]store.EventData, n)
	for j := range events {
		sel := int(o[4]) + 7*j
		var data string
		if o[5]%3 == 0 {
			data = spellings[(int(o[5])/3+j)%len(spellings)]
		} else {
			data = fmt.Sprintf(`{ "step" : %d, "event": %d , "s": "\/ \u00e9 <&>" }`, step, j)
		}
		e := store.EventData{Type: types[sel%len(types)], Data: []byte(data), Metadata: metas[(int(o[6])+j)%len(metas)]}
		if o[7]%3 != 0 {
			e.ID = fmt.Sprintf("id-%d-%d", step, j)
		}
		events[j] = e
	}
	return events
}

// maxAtLimit is the largest size limit at which the model check appends events of exactly
// that size: at the default limit such events would make its reads slow.
const maxAtLimit = 64 << 10

// atLimit makes e's data a string that brings the event, in stream, to exactly limit bytes
// as store.Prepare counts them.
func atLimit(e *store.EventData, stream string, limit int) {
	size := len(stream) + len(e.Type) + len(e.ID)
	for k, v := range e.Metadata {
		size += len(k) + len(v)
	}
	e.Data = []byte(`"` + strings.Repeat("x", max(limit-size-2, 0)) + `"`)
}

// invalidAppend is an append the contract refuses with store.ErrInvalid, writing nothing.
type invalidAppend struct {
	what     string
	stream   string
	expected store.Version
	events   []store.EventData
}

// invalidFor builds, from the operation's bytes, an invalid append to a stream at version
// v (with an expected version it satisfies, so that ErrInvalid is the only right answer);
// its valid events are those of a valid append.
func invalidFor(o opBytes, step int, stream string, v store.Version, maxSize int) invalidAppend {
	good := eventsFor(o, step)
	expected := v
	if o[2]%2 == 0 {
		expected = store.Any
	}
	bad := func(what string, e store.EventData) invalidAppend {
		// The bad event goes anywhere in the batch of good ones.
		at := int(o[6]) % (len(good) + 1)
		events := append(append(append([]store.EventData{}, good[:at]...), e), good[at:]...)
		return invalidAppend{what, stream, expected, events}
	}
	switch o[1] % 12 {
	case 0:
		return invalidAppend{"empty stream id", "", store.Any, good}
	case 1:
		return invalidAppend{"no events", stream, expected, nil}
	case 2:
		return bad("an empty type", store.EventData{Data: []byte(`{}`)})
	case 3:
		return bad("no data", store.EventData{Type: "T"})
	case 4:
		return bad("invalid JSON", store.EventData{Type: "T", Data: []byte(`{"a":`)})
	case 5:
		return bad("trailing garbage after the JSON", store.EventData{Type: "T", Data: []byte(`{} x`)})
	case 6:
		return invalidAppend{"an expected version below StreamExists", stream, store.StreamExists - 1 - store.Version(o[2]%3), good}
	case 7:
		return invalidAppend{"a stream id that is not UTF-8", stream + "\xff", store.Any, good}
	case 8:
		return bad("a type that is not UTF-8", store.EventData{Type: "T\xc3", Data: []byte(`1`)})
	case 9:
		return bad("metadata that is not UTF-8", store.EventData{Type: "T", Data: []byte(`1`), Metadata: map[string]string{"k": "\xed\xa0\x80"}})
	case 10:
		return bad("data with a string that is not UTF-8", store.EventData{Type: "T", Data: []byte("{\"a\":\"\xff\"}")})
	}
	// One byte over the size limit, counting the stream id, type, id, data and metadata.
	e := store.EventData{ID: fmt.Sprintf("big-%d", step), Type: "Big", Metadata: map[string]string{"k": "v"}}
	fill := maxSize + 1 - len(stream) - len(e.Type) - len(e.ID) - 2 - 2
	e.Data = []byte(`"` + strings.Repeat("x", max(fill, 0)) + `"`)
	return bad("an event one byte over the size limit", e)
}
