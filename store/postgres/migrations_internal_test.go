package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// releasedMigrations pins the SHA-256 of each migration file (with LF line endings) as it was
// released. A migration runs once per schema: a change to its file after a server of that
// commit migrated a schema never reaches that schema (migration 5 changed so, and migration 7
// had to repair the index it had built). Change a schema with a new migration instead; pin
// a new hash here only for a change that does nothing to a schema (a comment).
var releasedMigrations = map[int]string{
	1: "f8a6178b0b6370841e1d61da3aed035198357896ca304abf4cdfe33456bb34b4",
	2: "3ceb62aecb4ef9b8e37c287a2f586cd48e1c0930a8f6460ded08eff06085ae2e",
	3: "f67179d096d36351d022fb20d97bc5ba3a01586d8945e5f312ba3fe7416fae74",
	4: "7df20a00e13408b1a87e9748d41a183d88c4c5066750a283f49d4298a6301d3c",
	5: "2dbfc6778480f6fac04ec589ce5447eb11f21833ef0cd670609ad366a986693a",
	6: "2c3082906c55287c8770ddc785d6e996f11a82d194acbb40f0aef3abc4df1c8c",
	7: "f0bb3a0ca4f5213b919fd030e043e5fff1f3020f9b2b57dfbcb9b984d1e7870b",
	8: "2de7ac907c97d12b7517015de0754c83d3f1400e561a13ab282534b16248d7fd",
	9: "32d8bd04ba91f62f181164b2076ee6e209787ec7971ad09c63dae8130a6eeb07",
}

func TestMigrations_releasedOnesNeverChange(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		sum := sha256.Sum256([]byte(strings.ReplaceAll(m.sql, "\r\n", "\n"))) // a checkout may convert line endings
		got := hex.EncodeToString(sum[:])
		want, ok := releasedMigrations[m.version]
		switch {
		case !ok:
			t.Errorf("migration %d (%s) is not pinned in releasedMigrations: add %d: %q once it is committed", m.version, m.name, m.version, got)
		case got != want:
			t.Errorf("migration %d (%s) changed (SHA-256 %s, released as %s): schemas that ran it keep what it did; add a migration instead", m.version, m.name, got, want)
		}
	}
	if len(ms) < len(releasedMigrations) {
		t.Errorf("%d migrations, %d released: a released migration is gone", len(ms), len(releasedMigrations))
	}
}
