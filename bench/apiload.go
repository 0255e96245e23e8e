package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// GraphQL operations of the API cases.
const (
	opFloor            = `mutation { __typename }`
	opCreateRestaurant = `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id version position } }`
	opPlaceOrder       = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id version position } }`
	opChangeMenu       = `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { id version position } }`
	opRestaurant       = `query($id: ID!) { restaurant(id: $id) { id name version menu { cuisine menuItems { menuItemId name price } } } }`
)

// gqlRequest is a GraphQL request body.
type gqlRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

func body(query string, vars map[string]any) []byte {
	b, err := json.Marshal(gqlRequest{Query: query, Variables: vars})
	if err != nil {
		panic(err) // the variables are built here from strings and slices: cannot fail
	}
	return b
}

func restaurantID(client, n int) string { return string(appendRestaurantID(nil, client, n)) }

func appendRestaurantID(b []byte, client, n int) []byte {
	b = append(b, "bench-c"...)
	b = strconv.AppendInt(b, int64(client), 10)
	b = append(b, "-r"...)
	return strconv.AppendInt(b, int64(n), 10)
}

// mutationBodies builds the mutation bodies by splicing the restaurant id (letters, digits
// and dashes: nothing to escape) into bodies marshalled once, so that the load generator,
// which shares the machine with the server, spends as little as it can per request.
// TestMutationBodies checks that the spliced bodies equal marshalled ones.
type mutationBodies struct{ create, place [2][]byte }

func newMutationBodies() mutationBodies {
	return mutationBodies{
		create: splitBody(body(opCreateRestaurant, map[string]any{"in": createRestaurantInput(idMarker)})),
		place:  splitBody(body(opPlaceOrder, map[string]any{"in": placeOrderInput(idMarker)})),
	}
}

// createRestaurant is the body creating restaurant n of client.
func (m mutationBodies) createRestaurant(client, n int) []byte { return spliced(m.create, client, n) }

// placeOrder is the body placing an order at restaurant n of client.
func (m mutationBodies) placeOrder(client, n int) []byte { return spliced(m.place, client, n) }

// idMarker stands for the id in the bodies split by splitBody.
const idMarker = "@@ID@@"

func splitBody(b []byte) [2][]byte {
	before, after, ok := bytes.Cut(b, []byte(idMarker))
	if !ok {
		panic("bench: no id marker in a request body") // the bodies above are built with it
	}
	return [2][]byte{before, after}
}

func spliced(parts [2][]byte, client, n int) []byte {
	b := make([]byte, 0, len(parts[0])+len(parts[1])+24)
	b = append(b, parts[0]...)
	b = appendRestaurantID(b, client, n)
	return append(b, parts[1]...)
}

func createRestaurantInput(id string) map[string]any {
	return map[string]any{
		"id":   id,
		"name": "Bench Bistro",
		"menu": map[string]any{"cuisine": "ITALIAN", "menuItems": []map[string]string{
			{"menuItemId": "m1", "name": "Pizza Margherita", "price": "9.50"},
			{"menuItemId": "m2", "name": "Tiramisu", "price": "5.00"},
		}},
	}
}

func placeOrderInput(restaurant string) map[string]any {
	return map[string]any{"restaurantId": restaurant, "menuItemIds": []string{"m1", "m2"}}
}

// gqlClient posts GraphQL requests and fails on any error in the response.
type gqlClient struct {
	hc  *http.Client
	url string
}

func newGQLClient(url string, conns int) *gqlClient {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &gqlClient{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, url: url}
}

// gqlResponse is the part of a response the client checks.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

func (c *gqlClient) do(ctx context.Context, b []byte) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("status %d: %w: %s", resp.StatusCode, err, raw)
	}
	if resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	return r.Data, nil
}

func (c *gqlClient) close() { c.hc.CloseIdleConnections() }

// nextRequest returns the body of client's i-th request (i from 0).
type nextRequest func(client, i int) []byte

// apiMeasurement is the outcome of one API case.
type apiMeasurement struct {
	requests       int64
	elapsed        time.Duration
	p50, p99       time.Duration
	lagP50, lagMax int64 // events the slowest processor trailed the head by (when sampled)
	lagSampled     bool
}

func (m apiMeasurement) rate() float64 {
	if m.elapsed <= 0 {
		return 0
	}
	return float64(m.requests) / m.elapsed.Seconds()
}

// measureRequests runs clients concurrently, each sending its requests one after the other
// until the duration passes, and records every request's latency.
func measureRequests(ctx context.Context, c *gqlClient, clients int, d time.Duration, next nextRequest) (apiMeasurement, error) {
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		gate     = make(chan struct{})
		lat      = make([][]time.Duration, clients)
	)
	for id := range clients {
		wg.Go(func() {
			<-gate
			// At least one each: on a loaded machine a client may first run after the
			// duration, and a case must not measure nothing.
			for i := 0; i == 0 || !stop.Load(); i++ {
				b := next(id, i)
				t0 := time.Now()
				if _, err := c.do(ctx, b); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("client %d request %d: %w", id, i, err) })
					stop.Store(true)
					return
				}
				lat[id] = append(lat[id], time.Since(t0))
			}
		})
	}
	start := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	close(gate)
	wg.Wait()
	elapsed := time.Since(start)
	timer.Stop()
	if firstErr != nil {
		return apiMeasurement{}, firstErr
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return apiMeasurement{}, fmt.Errorf("no request completed in %s", d)
	}
	slices.Sort(all)
	return apiMeasurement{
		requests: int64(len(all)),
		elapsed:  elapsed,
		p50:      quantile(all, 0.50),
		p99:      quantile(all, 0.99),
	}, nil
}
