package store

import "context"

// StreamVersioner is implemented by stores that can tell a stream's version (the version of
// its last committed event; 0 for a stream with no events) without reading its events.
// Command handlers that keep folded states use it to see, for the price of a lookup, that a
// cached state is still current.
type StreamVersioner interface {
	StreamVersion(ctx context.Context, stream string) (Version, error)
}
