package eventsourcing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/eventgraph/eventgraph/store"
)

// Metadata keys the command handler writes on every event it appends.
const (
	MetadataCommandID     = "commandId"     // the id of the command that wrote the event
	MetadataCorrelationID = "correlationId" // the id shared by every command of one flow
	MetadataCausationID   = "causationId"   // the id of the command or event that caused the command
	MetadataCommandHash   = "commandHash"   // the command's fingerprint, to detect a reused command id
)

// Meta carries what a command handler needs besides the command itself.
type Meta struct {
	// CommandID makes the command idempotent: a repeat returns the first result. A new
	// UUID is used when it is empty, which makes the command not repeatable.
	CommandID string
	// ExpectedVersion, when set, pins the stream's version the command was decided
	// against; a mismatch fails with a *store.ConflictError, is not retried and is not
	// transient (IsTransient), unless the race was lost to the same command under the same
	// CommandID: its first result is returned. store.Any and store.StreamExists pin no
	// version: they are checked, and a lost race is retried as without ExpectedVersion.
	ExpectedVersion *store.Version
	// CorrelationID groups the commands of one flow; the command id when empty.
	CorrelationID string
	// CausationID names what caused the command; the command id when empty.
	CausationID string
	// DerivedID says that the id of the entity the command creates was derived from
	// CommandID, not chosen by the client (as a server does for an omitted id, so that a
	// retry addresses the same entity). An entity that exists under it was then created by
	// an earlier use of the command id, so a different command under that id fails with
	// ErrCommandIDReused rather than decider.ErrAlreadyExists, which would name an entity
	// the client never chose.
	DerivedID bool
	// FormerCommandID is an id under which an earlier release may have recorded this very
	// command (NewSaga sets the id its commands had before SagaCommandID took today's form).
	// When CommandID was never used, a use of FormerCommandID by a command with the same
	// fingerprint is this command's first result (a Duplicate). A use by a different command
	// is not this command's record and is ignored: the command is decided under CommandID.
	// It is only looked up, never written.
	FormerCommandID string
	// Metadata is written on every event the command appends, beside the handler's own
	// keys (MetadataCommandID, MetadataCorrelationID, MetadataCausationID and
	// MetadataCommandHash), which it may not hold: such a command fails with an error
	// wrapping store.ErrInvalid, writing nothing. Keys and values are valid UTF-8, as the
	// store requires, and count toward its event size limit. It is not part of the command's
	// identity (Fingerprint): a repeat of a command id with other Metadata is a duplicate,
	// whose result is the first one's events, with the first one's metadata. A saga's
	// commands carry the Metadata of the event that caused them, but for the handler's keys
	// (see NewSaga).
	Metadata map[string]string
}

// ownMetadata reports whether key is one the command handler writes itself.
func ownMetadata(key string) bool {
	switch key {
	case MetadataCommandID, MetadataCorrelationID, MetadataCausationID, MetadataCommandHash:
		return true
	}
	return false
}

// eventMetadata is the metadata of an event the command appends: meta's own, then the
// handler's keys.
func eventMetadata(meta Meta, hash string) map[string]string {
	m := make(map[string]string, 4+len(meta.Metadata))
	for k, v := range meta.Metadata {
		m[k] = v
	}
	m[MetadataCommandID] = meta.CommandID
	m[MetadataCorrelationID] = meta.CorrelationID
	m[MetadataCausationID] = meta.CausationID
	m[MetadataCommandHash] = hash
	return m
}

// userMetadata is the part of an event's metadata that is not the handler's own, nil when
// there is none: what a saga's command caused by the event carries on.
func userMetadata(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		if ownMetadata(k) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(m))
		}
		out[k] = v
	}
	return out
}

// Result is what a handled command wrote.
type Result struct {
	StreamID string
	Version  store.Version  // the stream's version after the command
	Position store.Position // the global position of the command's last event
	// Events are the events the command wrote, as the store returns them; empty, not nil,
	// when none. They are read-only: their Data and Metadata may be the very memory the store
	// keeps (see store.HandoverAppender), so a change to them would change the log that
	// readers, projections and idempotency see. Copy an event to modify it.
	Events    []store.Event
	Duplicate bool // the command id was seen before; this is the first result
}

// Fingerprint returns a hex sha256 of the command's Go type and JSON encoding. Two commands
// with equal fingerprints are treated as the same command for idempotency, so what the JSON
// leaves out (unexported fields, fields tagged json:"-") does not tell two commands apart:
// a command whose decision depends on such a field should encode it.
//
// Fingerprints are stored in the log (MetadataCommandHash), so the formula is fixed:
// sha256 of fmt.Sprintf("%T\n", cmd) followed by json.Marshal(cmd). So renaming a command's
// type or its package, or changing its JSON, changes its fingerprint: a command id used
// before the change, repeated after it (a client's retry, a saga handling an event again
// after a crash), fails with ErrCommandIDReused instead of returning the first result.
func Fingerprint(cmd any) (string, error) {
	return newFingerprinter().sum(cmd)
}

// JSONAppender is implemented by commands that write their own JSON. AppendJSON must append
// exactly what json.Marshal returns for the command (so that its fingerprint does not
// change); Fingerprint then uses it instead of encoding/json's reflection. The domain
// packages' commands implement it.
type JSONAppender interface {
	AppendJSON(b []byte) []byte
}

// fingerprinter computes fingerprints in a buffer it keeps, with a JSON encoder writing into
// it. Every command pays for a fingerprint, and under load the garbage collector's share of
// an allocation costs more than the hash, so a Handler reuses fingerprinters: the result
// string is then the one allocation.
type fingerprinter struct {
	buf bytes.Buffer
	enc *json.Encoder
	raw []byte // for a JSONAppender
}

func newFingerprinter() *fingerprinter {
	f := &fingerprinter{}
	f.enc = json.NewEncoder(&f.buf) // escapes HTML as json.Marshal does
	return f
}

// maxKeptFingerprint bounds the buffer a fingerprinter keeps for the next command.
const maxKeptFingerprint = 64 << 10

// sum returns cmd's fingerprint.
func (f *fingerprinter) sum(cmd any) (string, error) {
	defer f.buf.Reset()
	name := "<nil>"     // what %T prints for nil
	nilPointer := false // json.Marshal writes null; AppendJSON may not be callable
	if t := reflect.TypeOf(cmd); t != nil {
		name = t.String()
		nilPointer = t.Kind() == reflect.Pointer && reflect.ValueOf(cmd).IsNil()
	}
	var data []byte
	if a, ok := cmd.(JSONAppender); ok && !nilPointer {
		if f.raw == nil {
			f.raw = make([]byte, 0, 512) // most commands fit
		}
		f.raw = a.AppendJSON(append(append(f.raw[:0], name...), '\n'))
		data = f.raw
	} else {
		f.buf.WriteString(name)
		f.buf.WriteByte('\n')
		if err := f.enc.Encode(cmd); err != nil { // what json.Marshal returns, and a newline
			return "", fmt.Errorf("eventsourcing: fingerprint %T: %w", cmd, err)
		}
		b := f.buf.Bytes()
		data = b[:len(b)-1]
	}
	sum := sha256.Sum256(data)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:]), nil
}
