package jsonl

import "testing"

// The group that forms behind a commit is made while the commit's own group still holds
// its buffers, so with one spare set it would grow from nothing, under the lock. Committed
// groups' buffers are kept, up to maxSpares sets, and reused last in, first out; a buffer
// over maxSpare is dropped.
func TestNewGroup_reusesCommittedBuffers(t *testing.T) {
	s, err := Open(t.TempDir(), WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.mu.Lock()
	defer s.mu.Unlock()
	formed := func() int { return cap(s.newGroup(false).buf) }

	// Given maxSpares+1 groups committed, with buffers of 1, 2, … KiB,
	var groups []*group
	for i := range maxSpares + 1 {
		g := s.newGroup(false)
		g.buf = make([]byte, 0, 1024*(i+1))
		groups = append(groups, g)
	}
	for _, g := range groups {
		s.publish(g, s.end)
	}
	// the groups formed next get the first maxSpares of them, the last committed first,
	for i := maxSpares; i > 0; i-- {
		if got := formed(); got != 1024*i {
			t.Errorf("got a buffer of %d bytes, want %d", got, 1024*i)
		}
	}
	// and then none.
	if got := formed(); got != 0 {
		t.Errorf("the spares are used up, yet a group got a buffer of %d bytes", got)
	}

	// Given a group committed with a buffer over maxSpare, the next group does not get it.
	g := s.newGroup(false)
	g.buf = make([]byte, 0, maxSpare+1)
	s.publish(g, s.end)
	if got := formed(); got != 0 {
		t.Errorf("a buffer of %d bytes was kept, over the limit of %d", got, maxSpare)
	}

	// A lone group's buffers are kept too.
	lone := s.newGroup(true)
	lone.buf = make([]byte, 0, 512)
	s.publish(lone, s.end)
	if got := formed(); got != 512 {
		t.Errorf("after a lone group, a group got a buffer of %d bytes, want 512", got)
	}
}
