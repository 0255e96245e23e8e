package storetest

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// seedTwoStreams appends 5 events to "a" and 3 to "b", interleaved, and returns the log.
func seedTwoStreams(tb testing.TB, ctx context.Context, s store.Store) []store.Event {
	tb.Helper()
	mustAppend(tb, ctx, s, "a", store.NoStream, numbered("A", 0, 2)...)
	mustAppend(tb, ctx, s, "b", store.NoStream, numbered("B", 0, 1)...)
	mustAppend(tb, ctx, s, "a", 2, numbered("A", 2, 3)...)
	mustAppend(tb, ctx, s, "b", 1, numbered("B", 1, 2)...)
	return readAll(tb, ctx, s, 0)
}

// checkReadStream: ReadStream yields exactly the stream's events after the version, in
// order (all of them after a negative version), and nothing (no error) for a missing stream
// or a version at or past the end.
func checkReadStream(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	all := seedTwoStreams(tb, ctx, s)
	tests := []struct {
		stream string
		after  store.Version
		want   []store.Position // positions of the events expected, in order
	}{
		{"a", 0, []store.Position{1, 2, 4, 5, 6}},
		{"a", -1, []store.Position{1, 2, 4, 5, 6}},
		{"a", 2, []store.Position{4, 5, 6}},
		{"a", 4, []store.Position{6}},
		{"a", 5, nil},
		{"a", 9, nil},
		{"b", 0, []store.Position{3, 7, 8}},
		{"b", 1, []store.Position{7, 8}},
		{"missing", 0, nil},
		{"missing", 3, nil},
		// Beyond an int on a 32-bit processor: not wrapped to a small version.
		{"a", 1 << 31, nil},
		{"a", 1<<32 + 1, nil},
	}
	for _, tt := range tests {
		var want []store.Event
		for _, p := range tt.want {
			if int(p) <= len(all) {
				want = append(want, all[p-1])
			}
		}
		sameEvents(tb, fmt.Sprintf("ReadStream(%q, %d)", tt.stream, tt.after), want, readStream(tb, ctx, s, tt.stream, tt.after))
	}
}

// checkReadAll: ReadAll yields every event after the position, in log order; ReadAll and
// Subscribe after a negative position yield every event.
func checkReadAll(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	all := seedTwoStreams(tb, ctx, s)
	if msg := contiguous(all, 0, 8); msg != "" {
		tb.Fatalf("ReadAll(0): %s", msg)
	}
	for _, after := range []store.Position{-1, 0, 1, 3, 7, 8, 20, 1 << 31, 1<<32 + 1} {
		want := all[min(max(after, 0), store.Position(len(all))):]
		sameEvents(tb, fmt.Sprintf("ReadAll(%d)", after), want, readAll(tb, ctx, s, after))
	}
	sub, err := subscribeUntil(ctx, h, s, -1, store.Position(len(all)))
	if err != nil {
		tb.Errorf("Subscribe(-1): %v", err)
	}
	sameEvents(tb, "Subscribe(-1)", all, sub)
	// Breaking out early is allowed and reading again starts afresh.
	for range s.ReadAll(ctx, 0) {
		break
	}
	sameEvents(tb, "ReadAll(0) after an early break", all, readAll(tb, ctx, s, 0))
	checkSubscribeBeyondInt(tb, ctx, s)
}

// checkSubscribeBeyondInt: a subscription after a position beyond an int on a 32-bit
// processor yields nothing of the log, not the events after that position wrapped to 32
// bits. Nothing signals that a subscription found no history, so each is given a tenth of
// a second: a store that wraps the position yields its history at once, and a correct one
// never yields, so the wait can make the check miss a defect but never fail a correct store.
func checkSubscribeBeyondInt(tb testing.TB, ctx context.Context, s store.Store) {
	tb.Helper()
	for _, after := range []store.Position{1 << 31, 1<<32 + 1} {
		wait, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		var got []store.Event
		for e, err := range s.Subscribe(wait, after) {
			if err != nil {
				break
			}
			if got = append(got, e); len(got) == 10 {
				break
			}
		}
		cancel()
		if len(got) != 0 {
			tb.Errorf("Subscribe(%d) yielded events (the first at position %d), want none", after, got[0].Position)
		}
	}
}

// jsonSpellings returns JSON documents whose spelling a store must keep as json.Compact
// makes it: key order, duplicate keys, number spellings (also beyond float64 and int64),
// escapes (also of characters that need none, of NUL and of lone surrogates, which
// decoding would replace), U+2028, surrogate pairs, white space around and inside, and
// nesting as deep as store.MaxDataDepth.
func jsonSpellings() []string {
	return []string{
		`{"b": 1.50, "a":"\u00e9"}`,
		"{\n  \"z\" : [1, 2.0 , 3e2, -0, 1E-7],\n  \"a\" : { \"nested\" : true }\n}",
		`  "\u003chtml\u003e & \/ \"quoted\" é"  `,
		`[ ]`,
		`{}`,
		`null`,
		`false`,
		`12345678901234567890123`,
		`{"dup": 1, "dup": 2}`,
		`"\ud83d\ude00 😀"`,
		"\"line\u2028separator <b> & </b>\"",
		"{\"tab\":\"a\\tb\",\t\"line\" :\r\n \"x\\ny\"}",
		`"\\\"\b\f\n\r\t\u0000\u001f"`,
		`-1.0e+10`,
		`[1e400, -1e-400, 12345678901234567890, 1.0, -0.0, 1E2]`,
		`{"lone": "\ud800 \udfff \uDC00\uD800", "nul\u0000": "\u0000"}`,
		nested(store.MaxDataDepth),
	}
}

// nested returns a JSON value whose objects and arrays nest depth levels deep.
func nested(depth int) string {
	var b strings.Builder
	for i := range depth {
		if i%2 == 0 {
			b.WriteString(`[ 1, `)
		} else {
			b.WriteString(`{"a":`)
		}
	}
	b.WriteString(`"x"`)
	for i := depth - 1; i >= 0; i-- {
		if i%2 == 0 {
			b.WriteString(`]`)
		} else {
			b.WriteString(`}`)
		}
	}
	return b.String()
}

// checkDataCompact: Data comes back as json.Compact of the input: key order, number
// spelling and string escapes unchanged.
func checkDataCompact(tb testing.TB, h Harness) {
	inputs := jsonSpellings()
	ctx, s := open(tb, h)
	events := make([]store.EventData, len(inputs))
	for i, in := range inputs {
		events[i] = store.EventData{Type: "Raw", Data: []byte(in)}
	}
	mustAppend(tb, ctx, s, "raw", store.NoStream, events...)
	check := func(what string, got []store.Event) {
		tb.Helper()
		if len(got) != len(inputs) {
			tb.Errorf("%s yielded %d events, want %d", what, len(got), len(inputs))
			return
		}
		for i, in := range inputs {
			if want := compact(in); string(got[i].Data) != string(want) {
				tb.Errorf("%s: data of %q = %s, want %s", what, in, got[i].Data, want)
			}
		}
	}
	check("ReadStream", readStream(tb, ctx, s, "raw", 0))
	check("ReadAll", readAll(tb, ctx, s, 0))
	sub, err := subscribeUntil(ctx, h, s, 0, store.Position(len(inputs)))
	if err != nil {
		tb.Errorf("Subscribe: %v", err)
	}
	check("Subscribe", sub)

	// Appended while a subscription runs: it gets them compacted too, whatever path new
	// events take to it.
	subCtx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	next, stop := iter.Pull2(s.Subscribe(subCtx, 0))
	defer stop()
	if _, err, ok := next(); !ok || err != nil {
		tb.Fatalf("Subscribe: %v", err)
	}
	mustAppend(tb, ctx, s, "raw-live", store.NoStream, events...)
	var live []store.Event
	for p := 2; p <= 2*len(inputs); p++ {
		e, err, ok := next()
		if !ok || err != nil {
			tb.Fatalf("Subscribe, at position %d: %v", p, err)
		}
		if e.Position > store.Position(len(inputs)) {
			live = append(live, e)
		}
	}
	check("Subscribe, appended while it ran", live)
}

// checkMetadata: metadata round-trips, including empty values and non-ASCII text; no
// metadata comes back empty.
func checkMetadata(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	metas := []map[string]string{
		{"commandId": "c-1", "correlationId": "corr", "causationId": "cause"},
		{"empty": "", "ünïcode": "日本語 \"quoted\" \n newline"},
		nil,
		{},
	}
	events := make([]store.EventData, len(metas))
	for i, m := range metas {
		events[i] = store.EventData{Type: "Meta", Data: []byte(`{}`), Metadata: m}
	}
	mustAppend(tb, ctx, s, "m", store.NoStream, events...)
	got := readStream(tb, ctx, s, "m", 0)
	if len(got) != len(metas) {
		tb.Fatalf("ReadStream yielded %d events, want %d", len(got), len(metas))
	}
	for i, m := range metas {
		if !sameMetadata(got[i].Metadata, m) {
			tb.Errorf("event %d: metadata %q, want %q", i, got[i].Metadata, m)
		}
	}
}

// checkIDs: given ids are kept; empty ids are replaced by unique generated ones.
func checkIDs(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "ids", store.NoStream,
		store.EventData{Type: "T", Data: []byte(`1`)},
		store.EventData{ID: "my-id", Type: "T", Data: []byte(`2`)},
		store.EventData{Type: "T", Data: []byte(`3`)},
	)
	mustAppend(tb, ctx, s, "ids", 3, store.EventData{Type: "T", Data: []byte(`4`)})
	got := readStream(tb, ctx, s, "ids", 0)
	if len(got) != 4 {
		tb.Fatalf("ReadStream yielded %d events, want 4", len(got))
	}
	if got[1].ID != "my-id" {
		tb.Errorf("given id came back as %q, want %q", got[1].ID, "my-id")
	}
	seen := map[string]int{}
	for i, e := range got {
		if e.ID == "" {
			tb.Errorf("event %d has an empty id", i)
		}
		if j, dup := seen[e.ID]; dup {
			tb.Errorf("events %d and %d share the id %q", j, i, e.ID)
		}
		seen[e.ID] = i
	}
}

// checkCopies: the store keeps its own copies: changing an appended EventData or a read
// Event afterwards does not change what is read next.
func checkCopies(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	in := store.EventData{Type: "T", Data: []byte(`{"k":"v"}`), Metadata: map[string]string{"m": "1"}}
	mustAppend(tb, ctx, s, "c", store.NoStream, in)
	in.Data[2] = 'X'
	in.Metadata["m"] = "changed"
	in.Metadata["new"] = "x"
	first := readStream(tb, ctx, s, "c", 0)
	if len(first) != 1 {
		tb.Fatalf("ReadStream yielded %d events, want 1", len(first))
	}
	if string(first[0].Data) != `{"k":"v"}` || !sameMetadata(first[0].Metadata, map[string]string{"m": "1"}) {
		tb.Errorf("changing the appended EventData changed the stored event: %s %v", first[0].Data, first[0].Metadata)
	}
	first[0].Data[2] = 'Y'
	if first[0].Metadata != nil {
		first[0].Metadata["m"] = "changed"
	}
	again := readAll(tb, ctx, s, 0)
	if len(again) != 1 || string(again[0].Data) != `{"k":"v"}` || !sameMetadata(again[0].Metadata, map[string]string{"m": "1"}) {
		tb.Errorf("changing a read event changed the stored event: %v", again)
	}
}

// checkReadAllCopies: what ReadAll yields is the caller's, as what ReadStream yields is:
// changing it changes nothing that anyone reads next. checkCopies changes what ReadStream
// yielded and checkSubscribedCopies what Subscribe yielded, and both then read with
// ReadAll, so a store whose ReadAll yields its own events passes them.
func checkReadAllCopies(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "c", store.NoStream,
		store.EventData{Type: "T", Data: []byte(`{"k":"v"}`), Metadata: map[string]string{"m": "1"}})
	got := readAll(tb, ctx, s, 0)
	if len(got) != 1 {
		tb.Fatalf("ReadAll yielded %d events, want 1", len(got))
	}
	got[0].Data[2] = 'X'
	if got[0].Metadata != nil {
		got[0].Metadata["m"] = "changed"
		got[0].Metadata["new"] = "x"
	}
	sub, err := subscribeUntil(ctx, h, s, 0, 1)
	if err != nil {
		tb.Fatalf("Subscribe: %v", err)
	}
	for name, evs := range map[string][]store.Event{
		"ReadStream": readStream(tb, ctx, s, "c", 0),
		"ReadAll":    readAll(tb, ctx, s, 0),
		"Subscribe":  sub,
	} {
		if len(evs) != 1 || string(evs[0].Data) != `{"k":"v"}` || !sameMetadata(evs[0].Metadata, map[string]string{"m": "1"}) {
			tb.Errorf("%s after a caller changed an event ReadAll yielded: %+v", name, evs)
		}
	}
}

// checkSubscribedCopies: what a subscriber gets is its own, as what the readers get is,
// also while it keeps up with the log (a store may keep recent events in memory for such
// subscribers): changing the appended EventData after Append does not change the event the
// subscriber receives, and changing a received event changes nothing that anyone else
// reads.
func checkSubscribedCopies(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "before", store.NoStream, ev("T", marker{I: 0}))
	next, stop := iter.Pull2(s.Subscribe(ctx, 0))
	defer stop()
	receive := func(what string) store.Event {
		tb.Helper()
		e, err, ok := next()
		if !ok || err != nil {
			tb.Fatalf("Subscribe: receiving %s: ok=%v err=%v", what, ok, err)
		}
		return e
	}
	first := receive("the event appended before subscribing")
	first.Data[2] = 'X' // {"X":0,...}
	if first.Metadata != nil {
		first.Metadata["m"] = "changed"
	}
	in := store.EventData{Type: "T", Data: []byte(`{"k":"v"}`), Metadata: map[string]string{"m": "1"}}
	mustAppend(tb, ctx, s, "c", store.NoStream, in)
	in.Data[2] = 'X'
	in.Metadata["m"] = "changed"
	in.Metadata["new"] = "x"
	got := receive("the event appended while subscribed")
	if string(got.Data) != `{"k":"v"}` || !sameMetadata(got.Metadata, map[string]string{"m": "1"}) {
		tb.Errorf("changing the appended EventData changed the event a subscriber received: %s %v", got.Data, got.Metadata)
	}
	got.Data[2] = 'Y'
	got.Metadata["m"] = "changed by the subscriber"
	mustAppend(tb, ctx, s, "c", 1, store.EventData{Type: "T", Data: []byte(`{}`)})
	receive("the third event")
	// Read from the start and from the second event: a store may keep only recent events
	// in memory, and a reader that starts before them may read everything from elsewhere.
	for _, after := range []store.Position{0, 1} {
		all := readAll(tb, ctx, s, after)
		again, err := subscribeUntil(ctx, h, s, after, 3)
		if err != nil {
			tb.Fatalf("a second Subscribe(%d): %v", after, err)
		}
		for name, evs := range map[string][]store.Event{"ReadAll": all, "a second Subscribe": again} {
			name = fmt.Sprintf("%s(%d)", name, after)
			if len(evs) != 3-int(after) {
				tb.Errorf("%s yielded %d events, want %d", name, len(evs), 3-after)
				continue
			}
			if after == 0 && string(evs[0].Data) == string(first.Data) {
				tb.Errorf("%s: changing an event a subscriber received changed the stored event: %s", name, evs[0].Data)
			}
			second := evs[1-after]
			if string(second.Data) != `{"k":"v"}` || !sameMetadata(second.Metadata, map[string]string{"m": "1"}) {
				tb.Errorf("%s: the stored event changed with the appended EventData or a received event: %s %v", name, second.Data, second.Metadata)
			}
		}
	}
}

// checkHead: a store that implements store.Header reports the last position.
func checkHead(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	hd, ok := s.(store.Header)
	if !ok {
		tb.Logf("%T does not implement store.Header; checking only that ReadAll agrees with Append", s)
	}
	head := func() store.Position {
		if !ok {
			all := readAll(tb, ctx, s, 0)
			if len(all) == 0 {
				return 0
			}
			return all[len(all)-1].Position
		}
		p, err := hd.Head(ctx)
		if err != nil {
			tb.Fatalf("Head: %v", err)
		}
		return p
	}
	if p := head(); p != 0 {
		tb.Errorf("Head of an empty store = %d, want 0", p)
	}
	for i := range 3 {
		a := mustAppend(tb, ctx, s, fmt.Sprint("h", i), store.NoStream, numbered("H", 0, i+1)...)
		if p := head(); p != a.Position {
			tb.Errorf("Head after append %d = %d, want %d", i, p, a.Position)
		}
	}
}

// checkStreamVersion: a store that implements store.StreamVersioner reports each stream's
// last committed version, 0 for a stream with no events.
func checkStreamVersion(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	sv, ok := s.(store.StreamVersioner)
	if !ok {
		tb.Logf("%T does not implement store.StreamVersioner; nothing to check", s)
		return
	}
	version := func(stream string) store.Version {
		v, err := sv.StreamVersion(ctx, stream)
		if err != nil {
			tb.Fatalf("StreamVersion(%q): %v", stream, err)
		}
		return v
	}
	if v := version("a"); v != 0 {
		tb.Errorf("StreamVersion of a stream with no events = %d, want 0", v)
	}
	seedTwoStreams(tb, ctx, s)
	for stream, want := range map[string]store.Version{"a": 5, "b": 3, "missing": 0} {
		if v := version(stream); v != want {
			tb.Errorf("StreamVersion(%q) = %d, want %d", stream, v, want)
		}
	}
	// A refused append changes nothing.
	if _, err := s.Append(ctx, "a", 2, numbered("A", 9, 10)...); err == nil {
		tb.Fatal("append with a stale expected version succeeded")
	}
	if v := version("a"); v != 5 {
		tb.Errorf("StreamVersion after a refused append = %d, want 5", v)
	}
	for _, stream := range oddStreamIDs() {
		mustAppend(tb, ctx, s, stream, store.NoStream, numbered("S", 0, 2)...)
		if v := version(stream); v != 2 {
			tb.Errorf("StreamVersion(%q) = %d, want 2", stream, v)
		}
	}
}
