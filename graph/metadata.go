package graph

import (
	"context"
	"maps"
)

// commandMetadataKey is the context key of the metadata WithCommandMetadata adds.
type commandMetadataKey struct{}

// WithCommandMetadata returns a copy of ctx whose mutations write md on every event they
// append (eventsourcing.Meta.Metadata), beside the handler's own commandId, correlationId,
// causationId and commandHash: what a request says about itself that a reader of the log
// may want, such as its W3C traceparent (which cmd/api puts there), a tenant or the user
// who asked. The order saga's commands carry it on to the events they write. It adds to
// the metadata ctx carries already, a key given again taking the new value; md is copied.
// The handler's own keys may not be given: a mutation in such a context fails with
// INTERNAL_SERVER_ERROR (the server's mistake, not the client's), writing nothing. Metadata is not part of a command's identity: a repeated commandId is a
// duplicate whatever the metadata of its requests.
func WithCommandMetadata(ctx context.Context, md map[string]string) context.Context {
	if len(md) == 0 {
		return ctx
	}
	merged := maps.Clone(CommandMetadata(ctx))
	if merged == nil {
		merged = make(map[string]string, len(md))
	}
	maps.Copy(merged, md)
	return context.WithValue(ctx, commandMetadataKey{}, merged)
}

// CommandMetadata returns the metadata WithCommandMetadata put in ctx, or nil. The map is
// shared: do not change it.
func CommandMetadata(ctx context.Context) map[string]string {
	md, _ := ctx.Value(commandMetadataKey{}).(map[string]string)
	return md
}
