package service

import (
	"github.com/google/uuid"

	"github.com/eventgraph/eventgraph/store"
)

// idNamespace scopes the name-based UUIDs NewID derives from command ids.
func idNamespace() uuid.UUID {
	return uuid.UUID{0x3b, 0x8e, 0x51, 0x0c, 0x9a, 0x42, 0x4f, 0x17, 0xa6, 0x2d, 0x70, 0x5e, 0xc1, 0x94, 0x08, 0xd3}
}

// NewID returns an id for an entity of the given kind ("restaurant", "order", "menu") whose
// id the client omitted. With a command id it is derived from it (a name-based UUID of
// kind+":"+commandID), so a retried command addresses the same entity; without one it is a
// random UUID (version 4, from the generator the stores draw event ids from: a read of
// crypto/rand per id was ~1 % of a placeOrder without an order id).
func NewID(kind, commandID string) string {
	if commandID == "" {
		return store.NewIDs().New()
	}
	return uuid.NewSHA1(idNamespace(), []byte(kind+":"+commandID)).String()
}
