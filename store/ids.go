package store

import (
	crand "crypto/rand"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// IDs generates event ids: random (version 4, RFC 4122) UUIDs drawn from a ChaCha8 stream
// seeded from crypto/rand, so an id costs no system call. It is safe for concurrent use.
// A store keeps one and passes it to PrepareWith; the zero value is not usable.
type IDs struct {
	mu  sync.Mutex
	rng *rand.ChaCha8
}

// NewIDs returns a generator seeded from crypto/rand.
func NewIDs() *IDs {
	var seed [32]byte
	crand.Read(seed[:]) // crypto/rand.Read never fails (it crashes the program instead).
	return &IDs{rng: rand.NewChaCha8(seed)}
}

// New returns a new random UUID in its canonical string form.
func (g *IDs) New() string {
	var u uuid.UUID
	g.mu.Lock()
	g.rng.Read(u[:]) // ChaCha8.Read never fails.
	g.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant RFC 4122
	return u.String()
}
