package readmodel

import "github.com/eventgraph/eventgraph/eventsourcing"

// Option configures a read model.
type Option func(*options)

type options struct {
	decoded *eventsourcing.Decoded
}

// WithDecoded lets the read model take the events its process wrote from d instead of
// decoding their JSON (see eventsourcing.Decoded).
func WithDecoded(d *eventsourcing.Decoded) Option {
	return func(o *options) { o.decoded = d }
}

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}
