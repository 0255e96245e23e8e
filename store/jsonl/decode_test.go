package jsonl

import (
	"fmt"
	"hash/crc32"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// sealed returns body (a line up to and including the comma after batch) with its checksum.
func sealed(body string) []byte {
	return fmt.Appendf(nil, `%s"crc":"%08x"}`, body, crc32.Checksum([]byte(body), castagnoli))
}

func TestParseLine(t *testing.T) {
	when := time.Date(2026, 11, 23, 10, 42, 25, 123456789, time.UTC)
	e := store.EventData{ID: "id\u2028", Type: "T\"\\\x01", Data: []byte(`{"a":[1,"x\"]}",{}],"b":null}`),
		Metadata: map[string]string{"k\n": "v\t", "z": "é"}}
	line := appendLine(nil, 7, "s\x7f\"", 3, &e, when, 2)
	line = line[:len(line)-1]

	var got store.Event
	info, err := parseLine(line, &got)
	if err != nil {
		t.Fatalf("parseLine(%s): %v", line, err)
	}
	want := store.Event{ID: e.ID, StreamID: "s\x7f\"", Version: 3, Position: 7, Type: e.Type, Time: when, Data: e.Data, Metadata: e.Metadata}
	if !reflect.DeepEqual(got, want) || info.batch != 2 {
		t.Fatalf("parseLine:\n got %+v\nwant %+v", got, want)
	}
	if _, err := parseLine(line, nil); err != nil {
		t.Fatalf("parseLine without an event: %v", err)
	}

	body := string(line[:len(line)-crcSuffixLen])
	tests := []struct {
		name string
		line []byte
		want string
	}{
		{"empty", nil, "does not end with"},
		{"CR LF", []byte(string(line) + "\r"), "line ends in CR LF"},
		{"byte order mark", []byte("\xef\xbb\xbf" + string(line)), "UTF-8 byte order mark"},
		{"byte order mark and no crc", []byte("\xef\xbb\xbf" + body), "UTF-8 byte order mark"},
		{"bad crc digits", []byte(body + `"crc":"0000000G"}`), "8 lower-case hex"},
		{"checksum mismatch", []byte(body + `"crc":"00000000"}`), "checksum mismatch"},
		{"wrong field order", sealed(strings.Replace(body, `{"position":7,`, `{"pos":7,`, 1)), `expected {"position":`},
		{"negative position", sealed(strings.Replace(body, `"position":7`, `"position":-7`, 1)), "expected a number"},
		{"leading zero", sealed(strings.Replace(body, `"position":7`, `"position":07`, 1)), "expected a number"},
		{"zero position", sealed(strings.Replace(body, `"position":7`, `"position":0`, 1)), "position is not positive"},
		{"zero version", sealed(strings.Replace(body, `"version":3`, `"version":0`, 1)), "version is not positive"},
		{"zero batch", sealed(strings.Replace(body, `"batch":2`, `"batch":0`, 1)), "batch is not positive"},
		{"empty stream", sealed(strings.Replace(body, "\"stream\":\"s\x7f\\\"\"", `"stream":""`, 1)), "empty stream id"},
		{"stream not a string", sealed(strings.Replace(body, "\"stream\":\"s\x7f\\\"\"", `"stream":1`, 1)), "expected a string"},
		{"bad escape", sealed(strings.Replace(body, `"id":"id`, `"id":"\q`, 1)), "bad escape"},
		{"raw control character", sealed(strings.Replace(body, `"id":"id`, "\"id\":\"\x01", 1)), "control character"},
		{"invalid UTF-8", sealed(strings.Replace(body, `"id":"id`, "\"id\":\"\xff", 1)), "not valid UTF-8"},
		// Strings are checked 8 bytes at a time up to a group holding a byte to look at.
		{"bad escape after 16 bytes", sealed(strings.Replace(body, `"id":"id`, `"id":"0123456789abcdef\qghijklmnop`, 1)), "bad escape"},
		{"raw control character after 16 bytes", sealed(strings.Replace(body, "\"id\":\"id\u2028\"", "\"id\":\"0123456789abcdef\x01ghijklmnop\"", 1)), "control character"},
		{"invalid UTF-8 after 16 bytes", sealed(strings.Replace(body, "\"id\":\"id\u2028\"", "\"id\":\"0123456789abcdef\xffghijklmnop\"", 1)), "not valid UTF-8"},
		{"unterminated long string", sealed(`{"position":7,"stream":"0123456789abcdef0123`), "unterminated string"},
		{"empty type", sealed(strings.Replace(body, `"type":"T\"\\\u0001"`, `"type":""`, 1)), "empty type"},
		{"bad time", sealed(strings.Replace(body, `2026-11-23T10`, `2026-13-23T10`, 1)), "expected a time"},
		{"short time", sealed(strings.Replace(body, `.123456789Z`, `Z`, 1)), "expected a time"},
		{"data not JSON", sealed(strings.Replace(body, `"b":null`, `"b":nul`, 1)), "data is not valid JSON"},
		{"data unbalanced", sealed(strings.Replace(body, `"data":{`, `"data":]{`, 1)), "data is not valid JSON"},
		{"data closed twice", sealed(strings.Replace(body, `"b":null}`, `"b":null}}`, 1)), `expected ,"metadata":`},
		{"data missing", sealed(strings.Replace(body, `"data":{"a":[1,"x\"]}",{}],"b":null}`, `"data":`, 1)), "expected a value"},
		{"metadata not strings", sealed(strings.Replace(body, `"z":"é"`, `"z":1`, 1)), "expected a string"},
		{"trailing content", sealed(strings.Replace(body, `"batch":2,`, `"batch":2,"x":1,`, 1)), "unexpected content"},
		{"unterminated string", sealed(`{"position":7,"stream":"abc`), "unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Recovery checks lines without decoding them.
			_, err := parseLine(tt.line, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseLine(%s): %v, want an error containing %q", tt.line, err, tt.want)
			}
			// Readers decode lines that recovery checked; a damaged one must not panic them.
			var ev store.Event
			parseLine(tt.line, &ev)
		})
	}
}

// TestParseLine_stringsAtEveryOffset round-trips strings with a byte to look at (an escape,
// a quote, non-ASCII) at every offset of a long string: the parser passes over plain bytes
// 8 at a time and must stop at the right group.
func TestParseLine_stringsAtEveryOffset(t *testing.T) {
	const plain = "0123456789abcdefghijklmnopqrstuv"
	for _, c := range []string{"\x01", "\"", "\\", "\n", "é", "\x7f", "\u2028"} {
		for p := 0; p <= 24; p++ {
			s := plain[:p] + c + plain[p:24]
			e := store.EventData{ID: s, Type: "T" + s, Data: []byte(`{}`), Metadata: map[string]string{s: s, "k": plain[:p]}}
			line := appendLine(nil, 1, "s"+s, 1, &e, time.Unix(0, 0), 1)
			line = line[:len(line)-1]
			if _, err := parseLine(line, nil); err != nil {
				t.Fatalf("%q at %d: recovery: %v", c, p, err)
			}
			var ev store.Event
			if _, err := parseLineWith(line, &ev, &names{}); err != nil {
				t.Fatalf("%q at %d: reader: %v", c, p, err)
			}
			if ev.ID != s || ev.Type != "T"+s || ev.StreamID != "s"+s || !maps.Equal(ev.Metadata, e.Metadata) {
				t.Fatalf("%q at %d: decoded %+v from %s", c, p, ev, line)
			}
		}
	}
}

// Recovery takes white space around and inside data as json.Valid does: the encoder writes
// none, but a log must not become unreadable over it.
func TestParseLine_spacedData(t *testing.T) {
	e := store.EventData{ID: "i", Type: "T", Data: []byte(`{"a":[1,2]}`)}
	line := appendLine(nil, 1, "s", 1, &e, time.Unix(0, 0), 1)
	body := string(line[:len(line)-1-crcSuffixLen])
	const spaced = " {\"a\" : [1, 2]}\t "
	line = sealed(strings.Replace(body, `{"a":[1,2]}`, spaced, 1))
	if _, err := parseLine(line, nil); err != nil {
		t.Fatalf("parseLine(%s): %v", line, err)
	}
	var ev store.Event
	if _, err := parseLine(line, &ev); err != nil || string(ev.Data) != spaced {
		t.Errorf("read back data %q, %v; want %q", ev.Data, err, spaced)
	}
}

func TestParseLine_scalarData(t *testing.T) {
	for _, data := range []string{`1`, `-1.5e3`, `"x"`, `true`, `null`, `[]`} {
		e := store.EventData{ID: "i", Type: "T", Data: []byte(data)}
		line := appendLine(nil, 1, "s", 1, &e, time.Unix(0, 0), 1)
		var ev store.Event
		if _, err := parseLine(line[:len(line)-1], &ev); err != nil || string(ev.Data) != data || ev.Metadata != nil {
			t.Errorf("data %s: got %s, %v, metadata %v", data, ev.Data, err, ev.Metadata)
		}
	}
}

// The reader finds the end of the data value by the last `,"metadata":{` of the line: data
// and metadata holding look-alikes must still decode exactly.
func TestParseLine_dataHoldingTheMetadataField(t *testing.T) {
	tests := []struct {
		data string
		meta map[string]string
	}{
		{`{"a":1,"metadata":{"x":"y"}}`, map[string]string{"metadata": "{", "k": `,"metadata":{`}},
		{`[{"b":2,"metadata":{}},",\"metadata\":{"]`, nil},
		{`{"metadata":{"metadata":{}}}`, map[string]string{"{": "}"}},
		{`",\"metadata\":{"`, map[string]string{",\"metadata\":{": ""}},
	}
	for _, tt := range tests {
		e := store.EventData{ID: "i", Type: "T", Data: []byte(tt.data), Metadata: tt.meta}
		line := appendLine(nil, 1, "s", 1, &e, time.Unix(0, 0), 1)
		var ev store.Event
		if _, err := parseLineWith(line[:len(line)-1], &ev, &names{}); err != nil {
			t.Fatalf("data %s: %v", tt.data, err)
		}
		if string(ev.Data) != tt.data || !maps.Equal(ev.Metadata, tt.meta) {
			t.Errorf("data %s, metadata %v: decoded %s, %v", tt.data, tt.meta, ev.Data, ev.Metadata)
		}
	}
}

// Recovery refuses what the store never writes and would read back as something else: a
// day the month lacks (time.Date made 2026-02-31 March 3, found by a review) and an empty
// event id.
func TestParseLine_refusesImpossibleTimesAndEmptyIDs(t *testing.T) {
	e := store.EventData{ID: "i", Type: "T", Data: []byte(`1`)}
	line := appendLine(nil, 1, "s", 1, &e, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	body := string(line[:len(line)-1-crcSuffixLen])
	tests := []struct {
		from, to string
		ok       bool
	}{
		{"2026-01-01", "2026-01-31", true},
		{"2026-01-01", "2024-02-29", true}, // a leap year
		{"2026-01-01", "2000-02-29", true}, // divisible by 400
		{"2026-01-01", "2026-02-29", false},
		{"2026-01-01", "1900-02-29", false}, // divisible by 100
		{"2026-01-01", "2026-02-31", false},
		{"2026-01-01", "2026-04-31", false},
		{"2026-01-01", "2026-12-32", false},
		{"2026-01-01", "2026-00-10", false},
		{`"id":"i"`, `"id":""`, false},
	}
	for _, tt := range tests {
		line := sealed(strings.Replace(body, tt.from, tt.to, 1))
		if _, err := parseLine(line, nil); (err == nil) != tt.ok {
			t.Errorf("parseLine with %s: %v, want ok %v", tt.to, err, tt.ok)
		}
	}
}
