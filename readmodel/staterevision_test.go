package readmodel_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
)

// pinnedStates holds, for each revision of a read model's state, the SHA-256 of the state
// it writes after stateLog's events. A change to the state's fields, to their encoding or to
// what Apply makes of those events changes it, and must come with a new revision
// (RestaurantsStateRevision, OrdersStateRevision): a server loads a saved state only of its
// own revision, so one of the old encoding is replayed over instead of misread. Pin the new
// revision's hash beside the old ones, which stay, as released migrations do.
//
// The keys are written out, not the revision constants: a bumped constant must find no hash.
var pinnedStates = map[string]string{
	"restaurants/1": "eba3afede2539a9cb5c6c23e50e33cb9434c0f0a977a8c43f9f9da9234b30160",
	"orders/1":      "5b88f6e46985e29f362742d834980182b06822e5383fe1d060be729e18180dcd",
}

func TestReadModels_stateRevisionsArePinned(t *testing.T) {
	log := stateLog(t)
	for _, fresh := range []func() eventsourcing.StatefulProjection{
		func() eventsourcing.StatefulProjection { return readmodel.NewRestaurants() },
		func() eventsourcing.StatefulProjection { return readmodel.NewOrders() },
	} {
		sum := func() string {
			p := fresh()
			apply(t, p, log)
			var b bytes.Buffer
			if err := p.WriteState(&b); err != nil {
				t.Fatalf("%s: WriteState: %v", p.Name(), err)
			}
			s := sha256.Sum256(b.Bytes())
			return hex.EncodeToString(s[:])
		}
		got, again := sum(), sum()
		rev := fresh().StateRevision()
		switch want, ok := pinnedStates[rev]; {
		case got != again:
			t.Errorf("revision %s: two read models of the same events wrote different states (%s, %s): a state must not depend on a map's order", rev, got, again)
		case !ok || want == "":
			t.Errorf("revision %s is not pinned: add %q: %q", rev, rev, got)
		case got != want:
			t.Errorf("revision %s writes a state that hashes to %s, pinned as %s: a change to the state's fields, their encoding or Apply needs a new revision (and its hash pinned beside this one)", rev, got, want)
		}
	}
}
