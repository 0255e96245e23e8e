package memory

// NewPacking returns a store whose log keeps chunks of 1<<shift events and packs all but
// the newest two chunks, so that the conformance suite reads packed events after a few
// appends.
func NewPacking(shift uint) *Store {
	s := New()
	s.log = newLog(shift, 2)
	return s
}
