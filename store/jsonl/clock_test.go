package jsonl

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestTimeCache_appendTime(t *testing.T) {
	east := time.FixedZone("east", 5*3600+30*60)
	base := []time.Time{
		time.Date(2026, 12, 2, 9, 20, 59, 999_999_999, time.UTC),
		time.Date(2026, 12, 2, 9, 20, 59, 0, east),
		time.Date(1969, 12, 31, 23, 59, 59, 500, time.UTC), // before the Unix epoch
		time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Now(),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var c timeCache
	for _, b := range base {
		// Times in the same second, the next seconds and back, so the cache is hit, missed
		// and replaced.
		for range 50 {
			tm := b.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
			if rng.IntN(2) == 0 {
				tm = tm.In(east)
			}
			got := string(c.appendTime([]byte("x"), tm))
			if want := "x" + tm.UTC().Format(timeLayout); got != want && validTime(tm) {
				t.Fatalf("appendTime(%v) = %s, want %s", tm, got, want)
			}
		}
	}
}
