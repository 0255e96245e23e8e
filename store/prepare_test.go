package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		expected, actual store.Version
		ok               bool
	}{
		{store.Any, 0, true},
		{store.Any, 7, true},
		{store.NoStream, 0, true},
		{store.NoStream, 1, false},
		{store.StreamExists, 0, false},
		{store.StreamExists, 3, true},
		{3, 3, true},
		{3, 2, false},
		{3, 4, false},
		{-3, 0, false},
	}
	for _, tt := range tests {
		err := store.CheckVersion("s", tt.expected, tt.actual)
		if tt.ok {
			if err != nil {
				t.Errorf("CheckVersion(expected %d, actual %d) = %v, want nil", tt.expected, tt.actual, err)
			}
			continue
		}
		var ce *store.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, store.ErrConflict) {
			t.Errorf("CheckVersion(expected %d, actual %d) = %v, want a *ConflictError", tt.expected, tt.actual, err)
			continue
		}
		if *ce != (store.ConflictError{Stream: "s", Expected: tt.expected, Actual: tt.actual}) {
			t.Errorf("CheckVersion(expected %d, actual %d) = %+v", tt.expected, tt.actual, *ce)
		}
	}
}

func TestConflictError_Error(t *testing.T) {
	tests := []struct {
		expected store.Version
		want     string
	}{
		{store.Any, `store: version conflict on stream "s": expected any, actual 2`},
		{store.NoStream, `store: version conflict on stream "s": expected no stream, actual 2`},
		{store.StreamExists, `store: version conflict on stream "s": expected stream exists, actual 2`},
		{5, `store: version conflict on stream "s": expected 5, actual 2`},
	}
	for _, tt := range tests {
		err := &store.ConflictError{Stream: "s", Expected: tt.expected, Actual: 2}
		if got := err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestPrepare(t *testing.T) {
	t.Run("compacts data, keeps given ids, generates missing ones and copies", func(t *testing.T) {
		in := []store.EventData{
			{ID: "given", Type: "A", Data: []byte(`{ "b": 1.50, "a" : "\u00e9" }`), Metadata: map[string]string{"k": "v"}},
			{Type: "B", Data: []byte(" [1, 2] ")},
		}
		out, err := store.Prepare("s", store.Any, in, 0)
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		if string(out[0].Data) != `{"b":1.50,"a":"\u00e9"}` || string(out[1].Data) != `[1,2]` {
			t.Errorf("data = %s, %s", out[0].Data, out[1].Data)
		}
		if out[0].ID != "given" || out[1].ID == "" {
			t.Errorf("ids = %q, %q, want given and a generated one", out[0].ID, out[1].ID)
		}
		in[0].Metadata["k"] = "changed"
		if out[0].Metadata["k"] != "v" {
			t.Errorf("metadata not copied: %v", out[0].Metadata)
		}
	})
	ok := store.EventData{Type: "T", Data: []byte(`{}`)}
	tests := []struct {
		name     string
		stream   string
		expected store.Version
		events   []store.EventData
		maxSize  int
	}{
		{"empty stream", "", store.Any, []store.EventData{ok}, 0},
		{"bad expected version", "s", -3, []store.EventData{ok}, 0},
		{"no events", "s", store.Any, nil, 0},
		{"empty type", "s", store.Any, []store.EventData{{Data: []byte(`{}`)}}, 0},
		{"no data", "s", store.Any, []store.EventData{{Type: "T"}}, 0},
		{"invalid JSON", "s", store.Any, []store.EventData{{Type: "T", Data: []byte(`{`)}}, 0},
		{"data over the limit", "s", store.Any, []store.EventData{{Type: "T", Data: []byte(`"` + strings.Repeat("x", 10) + `"`)}}, 11},
		{"metadata over the limit", "s", store.Any, []store.EventData{{Type: "T", Data: []byte(`1`), Metadata: map[string]string{"key": "value"}}}, 8},
		{"data nested too deep", "s", store.Any, []store.EventData{{Type: "T", Data: []byte(strings.Repeat("[", store.MaxDataDepth+1) + strings.Repeat("]", store.MaxDataDepth+1))}}, 0},
		{"spaced data nested too deep", "s", store.Any, []store.EventData{ok, {Type: "T", Data: []byte(strings.Repeat(`{ "a" : `, store.MaxDataDepth+1) + "1" + strings.Repeat(" }", store.MaxDataDepth+1))}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := store.Prepare(tt.stream, tt.expected, tt.events, tt.maxSize); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Prepare: err = %v, want ErrInvalid", err)
			}
		})
	}
	t.Run("data nested exactly MaxDataDepth deep is accepted", func(t *testing.T) {
		data := strings.Repeat(`[{"a":`, store.MaxDataDepth/2) + "1" + strings.Repeat("}]", store.MaxDataDepth/2)
		out, err := store.Prepare("s", store.Any, []store.EventData{{Type: "T", Data: []byte(data)}}, 0)
		if err != nil || string(out[0].Data) != data {
			t.Errorf("Prepare: %v", err)
		}
	})
	t.Run("an event exactly at the limit is accepted", func(t *testing.T) {
		// Stream id, type, event id, data and metadata: 1 + 1 + 2 + 4 + 2 bytes.
		ev := store.EventData{ID: "id", Type: "T", Data: []byte(`"xx"`), Metadata: map[string]string{"k": "v"}}
		if _, err := store.Prepare("s", store.Any, []store.EventData{ev}, 10); err != nil {
			t.Errorf("Prepare: %v", err)
		}
		if _, err := store.Prepare("s", store.Any, []store.EventData{ev}, 9); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Prepare one byte over the limit: err = %v, want ErrInvalid", err)
		}
	})
}

func TestAppendPrepared(t *testing.T) {
	ids := store.NewIDs()
	var arr [4]store.EventData
	kept := store.EventData{ID: "kept", Type: "T", Data: []byte(`{}`)}
	dst := append(arr[:0], kept)
	data := []byte(`{"a":1}`)
	out, err := store.AppendPrepared(dst, ids, "s", store.Any, []store.EventData{
		{Type: "A", Data: data},
		{Type: "B", Data: []byte(` [1, 2] `)},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].ID != "kept" || out[1].Type != "A" || out[2].Type != "B" {
		t.Fatalf("got %+v, want the kept event then A and B", out)
	}
	if &out[0] != &arr[0] {
		t.Error("the events were not appended in dst's array, which had room")
	}
	if &out[1].Data[0] != &data[0] {
		t.Error("compact data was copied, want it shared as PrepareShared does")
	}
	if string(out[2].Data) != `[1,2]` || out[1].ID == "" || out[2].ID == "" {
		t.Errorf("got %+v, want compacted data and generated ids", out[1:])
	}

	// A failure leaves dst as it was.
	out, err = store.AppendPrepared(dst, ids, "s", store.Any, []store.EventData{
		{Type: "A", Data: data},
		{Type: "B", Data: []byte(`{`)},
	}, 0)
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if len(out) != 1 || out[0].ID != "kept" {
		t.Fatalf("after a failure got %+v, want dst unchanged", out)
	}
}
