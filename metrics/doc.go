// Package metrics exposes eventgraph's Prometheus metrics. It is the only package that
// imports the Prometheus client: the core packages report through small hooks
// (eventsourcing.CommandObserver, jsonl.Observer, a Progress source read at scrape time), and
// Metrics implements them.
//
// Every Metrics has its own registry (no global state), with the Go runtime and process
// collectors included; serve it with Handler:
//
//	m := metrics.New(metrics.WithOutcome(graph.ErrorCode))
//	svc := service.New(st, service.WithCommandObserver(m.ObserveCommand))
//	m.WatchProgress(svc)
//	mux.Handle("GET /metrics", m.Handler())
//
// The families, all prefixed eventgraph_ (store_ ones only once StoreObserver was called:
// the JSONL store reports them, the memory and PostgreSQL stores do not; but
// store_restamped_appends_total once RestampObserver was called: every store reports it):
//
//	commands_total{type,outcome}                      commands handled; outcome is ok, duplicate or an error code
//	command_duration_seconds{type,outcome}            how long handling took (lock waits and retries included)
//	store_appends_total{outcome}                      appends: ok, conflict, invalid, closed or error
//	store_append_duration_seconds                     latency of committed appends (fsync included)
//	store_append_events                               events per committed append
//	store_fsync_duration_seconds                      latency of each group commit's fsync
//	store_fsync_events                                events per group commit (fsync)
//	store_fsync_errors_total                          failed fsyncs
//	store_read_events_total{source}                   events subscribers got from the tail cache or the file
//	store_restamped_appends_total                     appends stamped over a second later than the clock read
//	head_position                                     the log's last position
//	projection_position{name,kind}                    each projection's (and saga's) last processed position
//	projection_lag_events{name,kind}                  head_position minus that position
//	projection_stopped{name,kind}                     1 when it stopped on an error
//	projection_failures_total{name}                   failed applies and subscriptions of a projection
//	saga_retries_total{name}                          transient failures a saga retried
//	saga_failures_total{name}                         events a saga gave up on, failed subscriptions
//	saga_rejections_total{name}                       a saga's commands refused as it expects (WithSagaExpected)
//	saga_checkpoint_held{name}                        1 while a saga holds its checkpoint (a fault of its own)
//	graphql_subscriptions{kind}                       open subscriptions by root field
//	graphql_operations_total{type,outcome}            GraphQL operations; outcome is ok or the first error code
//	graphql_operation_duration_seconds{type,outcome}  their duration (a subscription's: its lifetime)
//	http_requests_total{method,route,code}            HTTP requests by route and status
//	http_request_duration_seconds{method,route,code}  their duration
//	ready                                             1 while the server's readiness check passes (see WatchReady)
//
// And, while the read models' states are kept (see WatchStates; a server with
// --state-interval 0 or a store that keeps none exports none of them):
//
//	projection_states_position                        the log position of the states last saved or loaded
//	projection_states_saved_timestamp_seconds         when they were last saved (Unix time; 0: not since the start)
//	projection_states_bytes                           the size of the states last saved
//	projection_states_saves_total                     saves made
//	projection_states_save_failures_total             saves that failed
//	projection_states_encode_seconds                  the last save's encoding, which holds the read models back
//	projection_states_save_seconds                    the last save's whole duration, the write to the store included
package metrics
