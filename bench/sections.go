package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// renderAPI writes the API table.
func renderAPI(b *strings.Builder, cfg config, cores int, r results) {
	if len(r.api) == 0 && len(r.fanout) == 0 {
		return
	}
	if len(r.api) > 0 {
		fmt.Fprintf(b, "## API: GraphQL over loopback HTTP\n\n")
		fmt.Fprintf(b, "`graph.NewHandler` over `service.New` (projections and the order saga running) on a real loopback listener; each client sends one POST after the other for %s. The floor is `mutation { __typename }` on the same server: HTTP, parsing, validation and execution with no resolver.\n\n", cfg.duration)
		fmt.Fprintf(b, "The load generator (the clients, their HTTP and JSON) runs in the same process as the server and shares its %d cores: every request's client-side cost is paid from the CPU the server would otherwise have. That cost is on both sides of the ÷ floor ratio, about the same per request for a mutation and the floor, so it pulls the ratio toward 100 %%: the server alone would show a lower ratio than the table (and the requests/s are lower than a server with the machine to itself would make).\n\n", cores)
		fmt.Fprintf(b, "| workload | clients | requests/s | p50 | p99 | ÷ floor | projection lag p50 / max (events) |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, c := range apiCases() {
			for _, n := range cfg.writers {
				s, ok := r.apiResult(c.key, n)
				if !ok {
					continue
				}
				rel := "–"
				if x, ok := ratio(api(c.key, n), api(keyAPIFloor, n))(r); ok && c.key != keyAPIFloor {
					rel = showBeside(x, percent, 1, 0.5, 0.6) // one decimal at least, more when it would read as a target's 50 or 60 %
				}
				lag := "–"
				if s.lagP50 >= 0 && c.lag {
					lag = fmt.Sprintf("%s / %s", thousands(s.lagP50), thousands(s.lagMax))
				}
				fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s |\n", c.title, n, thousands(s.rate), latency(s.p50), latency(s.p99), rel, lag)
			}
		}
		fmt.Fprintf(b, "\nProjection lag: every 5 ms during the mutation cases, the log's head minus the position of the slowest projection or saga.\n\n")
	}
	for i, f := range r.fanout {
		if i == 0 {
			fmt.Fprintf(b, "## Subscription fan-out\n\n")
			fmt.Fprintf(b, "Subscribers open `%s` over WebSocket (graphql-transport-ws) against the memory-store server; events are committed one at a time (createRestaurant through the service), each after the previous one reached every subscriber, for the case's duration and at least %d events a round. Time runs from the commit call to the delivery; quantiles are nearest-rank (a p99 is a value at least 99 %% of the samples do not exceed). The subscribers' clients (%s WebSocket connections and their reading goroutines) run in the same process as the server and share its %d cores, so the delivery times include the clients' own work and the scheduling between the two. The target takes the p99 of commit → last delivery over every round's events pooled (the last row), not a median of the rounds' p99s, in which one slow round would not count.\n\n", opEventsSubscription, minFanoutEvents, thousands(float64(cfg.subscribers)), cores)
			fmt.Fprintf(b, "| round | subscribers | events | commit → last delivery p50 | p99 | commit → any delivery p50 | p99 | connecting all took |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", i+1, thousands(float64(f.subscribers)), thousands(float64(f.events)),
			latency(f.lastP50.Seconds()), latency(f.lastP99.Seconds()), latency(f.eachP50.Seconds()), latency(f.eachP99.Seconds()), f.connect.Round(time.Millisecond))
	}
	if len(r.fanout) > 0 {
		var last []time.Duration
		events := 0
		for _, f := range r.fanout {
			if f.subscribers == r.fanout[0].subscribers {
				last = append(last, f.last...)
				events += f.events
			}
		}
		if len(r.fanout) > 1 && len(last) > 0 {
			slices.Sort(last)
			fmt.Fprintf(b, "| all rounds pooled | %s | %s | %s | %s | | | |\n", thousands(float64(r.fanout[0].subscribers)), thousands(float64(events)),
				latency(quantile(last, 0.50).Seconds()), latency(quantile(last, 0.99).Seconds()))
		}
		fmt.Fprintf(b, "\n")
	}
}

// renderResources writes the bounded-resource sections.
func renderResources(b *strings.Builder, r results) {
	if x := r.res; x != nil {
		fmt.Fprintf(b, "## Bounded resources\n\n| measurement | value |\n|---|---:|\n")
		fmt.Fprintf(b, "| JSONL index: live heap per event after Open (%s events, 1,000 streams) | %.0f B |\n", thousands(float64(x.events)), x.jsonlIndex)
		fmt.Fprintf(b, "| command-id index: live heap per command after reading the log (%s commands, 1,000 streams) | %.0f B |\n", thousands(float64(x.events)), x.commandIndex)
		fmt.Fprintf(b, "| memory store: live heap per event (same events) | %.0f B |\n", x.memoryStore)
		if x.idleSubscribers > 0 {
			fmt.Fprintf(b, "| idle store subscriber, memory store (heap + stack, %s subscribers) | %.0f B |\n", thousands(float64(x.idleSubscribers)), x.idleSubMemory)
			fmt.Fprintf(b, "| idle store subscriber, JSONL store (heap + stack, %s subscribers) | %.0f B |\n", thousands(float64(x.idleSubscribers)), x.idleSubJSONL)
		}
		for _, f := range r.fanout {
			fmt.Fprintf(b, "| idle GraphQL WebSocket subscription, server and bench client together (%s subscribers) | %.0f B |\n", thousands(float64(f.subscribers)), f.perSub)
			break
		}
		fmt.Fprintf(b, "\n")
		renderRestart(b, x.restart)
	}
	if s := r.soak; s != nil && len(s.samples) > 0 {
		what := "the createRestaurant / placeOrder mix (the read models grow with the data)"
		if s.workload == soakSteady {
			what = "a steady load: each client changes its own restaurant's menu between two menus of the same size and reads it back, so the data stays the same size"
		}
		fmt.Fprintf(b, "## Soak\n\n%s of %s, over the JSONL durable store, from %d clients asking for %d requests/s together; they made %s requests/s (they share one ticker, and a tick that finds every client busy is dropped). The process's RSS and live Go heap (after a collection) are sampled along the way; the RSS is the whole process's, the load generator's clients included, since they run in it. The soak runs after the other cases in the same process; what those left was collected and returned to the system (`debug.FreeOSMemory`) before it started. Payloads stay on disk; what grows with the events by design is the log's in-memory index (one entry per event) and the command-id index (one entry per command), whose costs per event are under Bounded resources; the question is whether anything else grows.\n\n",
			s.duration, what, s.clients, s.rate, thousands(s.achievedRate()))
		fmt.Fprintf(b, "| time | requests | events in the log | RSS (MiB) | live heap (MiB) |\n|---:|---:|---:|---:|---:|\n")
		for _, x := range s.samples {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", x.at.Round(time.Second), thousands(float64(x.requests)), thousands(float64(x.head)), mib(x.rss), mib(x.heap))
		}
		if g, ok := s.secondHalf(); ok {
			if ev := g.to.head - g.from.head; ev > 0 {
				fmt.Fprintf(b, "\nSecond half of the soak (%s to %s, %s events): RSS %s MiB, live heap %s MiB from first to last sample; least-squares slopes over its samples: RSS %.0f B/event, live heap %.0f B/event.",
					g.from.at.Round(time.Second), g.to.at.Round(time.Second), thousands(float64(ev)),
					signedMiB(int64(g.to.rss)-int64(g.from.rss)), signedMiB(int64(g.to.heap)-int64(g.from.heap)), g.rssPerEvent, g.heapPerEvent)
				if s.workload == soakSteady {
					fmt.Fprintf(b, " The target holds the live heap's slope to %d × what the two indexes cost per event (both grow by doubling, so over a second half in which the events double they can add up to about twice their average cost per event, depending on where the doublings fall; bench/goals.go, soakMargin, works it out); the RSS's slope is given beside it, not held to it, since it carries the allocator's and the load generator's pages.", soakMargin)
				}
				fmt.Fprintf(b, "\n")
			}
		}
		fmt.Fprintf(b, "\n")
	}
}

func signedMiB(b int64) string { return fmt.Sprintf("%+.1f", float64(b)/(1<<20)) }

// renderRestart writes the restart section.
func renderRestart(b *strings.Builder, x restart) {
	if x.events == 0 {
		return
	}
	rate := func(d time.Duration) string {
		if d <= 0 {
			return "–"
		}
		return thousands(float64(x.events) / d.Seconds())
	}
	fmt.Fprintf(b, "## Restart\n\nHow long the server takes to start on a JSONL log of the reference domain, written through the service as the server writes it: %s restaurants, orders placed at them from 16 clients and the orders the saga created, %s events in %s streams, its saga caught up. Each step is the median of %d rounds, with the log in the page cache. Opening checks every line (checksum, layout, JSON) and builds the index; the read models then rebuild from the log (the two projections share one subscription, which parses ahead on a second goroutine; the saga resumes after its checkpoint). The baseline is one `ReadAll` of the log on the opened store. The read models replay the whole log here, with their saved states off (`--state-interval 0`); a server with them on, the default, loads them instead and replays only the events after them: `go test -bench BenchmarkRestart ./service` times both.\n\n",
		thousands(restartRestaurants), thousands(float64(x.events)), thousands(float64(x.streams)), x.rounds)
	fmt.Fprintf(b, "| step | time | events/s |\n|---|---:|---:|\n")
	fmt.Fprintf(b, "| open the log (`jsonl.Open`) | %s | %s |\n", x.open.Round(time.Millisecond), rate(x.open))
	fmt.Fprintf(b, "| read models caught up (`service.New`, `Run` until `CaughtUp`) | %s | %s |\n", x.catchUp.Round(time.Millisecond), rate(x.catchUp))
	fmt.Fprintf(b, "| baseline: one `ReadAll` of the log | %s | %s |\n", x.readAll.Round(time.Millisecond), rate(x.readAll))
	fmt.Fprintf(b, "| open and catch up together | %s | %s |\n\n", (x.open + x.catchUp).Round(time.Millisecond), rate(x.open+x.catchUp))
}
