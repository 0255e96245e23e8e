package model

import (
	"encoding/json"
	"time"
)

// Event is an event of the log as the API shows it. It is written by hand, not generated,
// so that its metadata is encoded only when a client selects it: every subscriber of the
// `events` subscription gets its own Event, and 1,000 subscribers selecting only the
// position encoded each event's metadata 1,000 times.
type Event struct {
	ID       string    `json:"id"`
	Position int64     `json:"position"`
	StreamID string    `json:"streamId"`
	Version  int       `json:"version"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	Data     JSON      `json:"data"`
	// Meta is the event's metadata, which the metadata field encodes (see Metadata).
	Meta map[string]string `json:"-"`
}

// Metadata returns the event's metadata as a JSON object, {} when it has none.
func (e *Event) Metadata() JSON {
	if len(e.Meta) == 0 {
		return JSON("{}")
	}
	b, _ := json.Marshal(e.Meta) // a map[string]string always encodes
	return JSON(b)
}
