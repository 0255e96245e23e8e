package graph_test

import (
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// TestSSE_keepAliveAfterTheStreamEnds ends many SSE streams while their keep-alive pings are
// due. gqlgen's keep-alive goroutine outlives the request: a ping written after the handler
// returned reached a response whose buffers net/http had recycled, and the nil pointer it
// hit crashed the whole process. The handler must drop such late writes.
func TestSSE_keepAliveAfterTheStreamEnds(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{KeepAlive: 50 * time.Microsecond}))
	for range 300 {
		sub, err := e.client.SubscribeSSE(testContext(t), `subscription { events(afterPosition: 0) { position } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// The server still answers.
	e.must(t, `{ status { head } }`, nil, nil)
}
