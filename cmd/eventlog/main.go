// Command eventlog inspects a jsonl event store's log offline.
//
// Usage:
//
//	eventlog verify DIR      check every line, batch, position and version; exit 1 on damage
//	eventlog stats DIR       counts of events, streams and event types, and the time range
//	eventlog tail [-n N] DIR print the last N events (default 10) as they are stored
//
// verify runs jsonl.Verify: it names the byte offset and line of any damage and reports a
// torn tail (which the store cuts off when it next opens). It changes nothing. Run it on a
// log no store is writing, or expect a torn tail from writes in flight.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
