package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// apiServer is the GraphQL endpoint (graph.NewHandler over service.New) on a real loopback
// listener, with its projections and saga running.
type apiServer struct {
	url     string
	svc     *service.Service
	st      store.Store
	hs      *http.Server
	cancel  context.CancelFunc
	runDone chan error
	srvDone chan error
}

// startAPI starts the server over a memory store (storeKey keyMemory) or a durable JSONL
// store in dir (keyJSONL).
func startAPI(ctx context.Context, storeKey, dir string) (*apiServer, error) {
	var st store.Store
	switch storeKey {
	case keyMemory:
		st = memory.New()
	case keyJSONL:
		s, err := jsonl.Open(dir)
		if err != nil {
			return nil, err
		}
		st = s
	default:
		return nil, fmt.Errorf("api: unknown store %q", storeKey)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	svc := service.New(st, service.WithLogger(slog.New(slog.DiscardHandler)))
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	mux := http.NewServeMux()
	mux.Handle("/graphql", graph.NewHandler(svc, graph.Config{}))
	a := &apiServer{
		url:     "http://" + ln.Addr().String() + "/graphql",
		svc:     svc,
		st:      st,
		hs:      &http.Server{Handler: mux, BaseContext: func(net.Listener) context.Context { return runCtx }, ReadHeaderTimeout: 10 * time.Second},
		cancel:  cancel,
		runDone: make(chan error, 1),
		srvDone: make(chan error, 1),
	}
	go func() { a.runDone <- svc.Run(runCtx) }()
	go func() { a.srvDone <- a.hs.Serve(ln) }()
	return a, nil
}

// close shuts the HTTP server down, stops the runner and closes the store.
func (a *apiServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.hs.Shutdown(ctx)
	if serr := <-a.srvDone; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	a.cancel()
	if rerr := <-a.runDone; rerr != nil && !errors.Is(rerr, context.Canceled) {
		err = errors.Join(err, rerr)
	}
	return errors.Join(err, a.st.Close())
}
