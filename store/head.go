package store

import "context"

// Head returns the position of s's last event, 0 for an empty log: s's own Head when s is a
// Header, else the last position ReadAll yields (which reads the whole log).
func Head(ctx context.Context, s Store) (Position, error) {
	if h, ok := s.(Header); ok {
		return h.Head(ctx)
	}
	var head Position
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			return 0, err
		}
		head = e.Position
	}
	return head, nil
}
