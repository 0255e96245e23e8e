package eventsourcing

import (
	"encoding/json"
	"testing"
)

// spaced writes JSON that json.Marshal would compact, and records what UnmarshalJSON is
// given.
type spaced struct{ got string }

func (spaced) MarshalJSON() ([]byte, error) { return []byte(`{ "n" : 1 }`), nil }

func (s *spaced) UnmarshalJSON(b []byte) error {
	s.got = string(b)
	return nil
}

// A state's own JSON methods are called directly: what MarshalJSON returns is saved as it
// is, and UnmarshalJSON is handed the value without the white space around it, as
// json.Unmarshal would hand it.
func TestSnapshotCodec_callsTheStatesMethods(t *testing.T) {
	if b, err := encodeState(spaced{}); err != nil || string(b) != `{ "n" : 1 }` {
		t.Errorf("encodeState = %s, %v; want MarshalJSON's bytes as they are", b, err)
	}
	var s spaced
	if err := decodeState([]byte(" \n{ \"n\" : 1 }\t\r"), &s); err != nil || s.got != `{ "n" : 1 }` {
		t.Errorf("decodeState handed UnmarshalJSON %q, %v; want the value trimmed", s.got, err)
	}

	// A nil pointer's method is not called: json.Marshal writes null.
	if b, err := encodeState[*spaced](nil); err != nil || string(b) != "null" {
		t.Errorf("encodeState(nil pointer) = %s, %v; want null", b, err)
	}
	// Without methods, encoding/json as before.
	type plain struct{ N int }
	if b, err := encodeState(plain{N: 2}); err != nil || string(b) != `{"N":2}` {
		t.Errorf("encodeState(plain) = %s, %v", b, err)
	}
	var p plain
	if err := decodeState([]byte(` {"N":3} `), &p); err != nil || p.N != 3 {
		t.Errorf("decodeState(plain) = %+v, %v", p, err)
	}
	if err := decodeState([]byte(`{"N":`), &p); err == nil {
		t.Error("decodeState of cut JSON: nil error")
	}
	var _ json.Marshaler = spaced{}
}

// Methods with pointer receivers are called, on the state and on its fields, as NewHandler's
// check expects: encoded as a value, the state lost what only they encode (a review found a
// limit of 50 saved as nothing, and a withdrawal of 500 let through after a restart).
func TestSnapshotCodec_callsPointerReceiverMethods(t *testing.T) {
	type withLimit struct {
		Balance int
		Limit   lossPtrJSON
	}
	in := withLimit{Balance: 1000, Limit: lossPtrJSON{n: 50}}
	b, err := encodeState(in)
	if err != nil {
		t.Fatal(err)
	}
	var out withLimit
	if err := decodeState(b, &out); err != nil || out != in {
		t.Fatalf("round trip through %s: %+v, %v; want %+v", b, out, err, in)
	}
	if b, err := encodeState(lossPtrJSON{n: 7}); err != nil || string(b) != "7" {
		t.Fatalf("encodeState of a state with pointer-receiver methods = %s, %v; want 7", b, err)
	}
}
