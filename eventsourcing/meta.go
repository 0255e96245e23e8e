package eventsourcing

import (
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
	// against; a mismatch fails with a *store.ConflictError and is not retried.
	ExpectedVersion *store.Version
	// CorrelationID groups the commands of one flow; the command id when empty.
	CorrelationID string
	// CausationID names what caused the command; the command id when empty.
	CausationID string
}

// Result is what a handled command wrote.
type Result struct {
	StreamID  string
	Version   store.Version  // the stream's version after the command
	Position  store.Position // the global position of the command's last event
	Events    []store.Event  // the events the command wrote, as the store returns them
	Duplicate bool           // the command id was seen before; this is the first result
}

// Fingerprint returns a hex sha256 of the command's Go type and JSON encoding. Two commands
// with equal fingerprints are treated as the same command for idempotency.
//
// Fingerprints are stored in the log (MetadataCommandHash), so the formula is fixed:
// sha256 of fmt.Sprintf("%T\n", cmd) followed by json.Marshal(cmd).
func Fingerprint(cmd any) (string, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return "", fmt.Errorf("eventsourcing: fingerprint %T: %w", cmd, err)
	}
	// Every command pays for this, so it is built with three allocations rather than the
	// hash.Hash, fmt and hex.EncodeToString way's six.
	name := "<nil>" // what %T prints for nil
	if t := reflect.TypeOf(cmd); t != nil {
		name = t.String()
	}
	buf := make([]byte, 0, len(name)+1+len(b))
	buf = append(append(append(buf, name...), '\n'), b...)
	sum := sha256.Sum256(buf)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:]), nil
}
