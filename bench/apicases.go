package main

import (
	"bytes"
	"context"
	"fmt"
)

// Keys of the API cases.
const (
	keyAPIFloor      = "api-floor"
	keyAPIMemory     = "api-mutations-memory"
	keyAPIJSONL      = "api-mutations-jsonl"
	keyAPIQueryMem   = "api-query-memory"
	mutationsPerMenu = 5 // a client creates a restaurant, then places 4 orders at it, and so on
)

// apiCase is one GraphQL workload against the server over one store.
type apiCase struct {
	key   string
	title string
	store string // keyMemory or keyJSONL
	// setup prepares the server before the clock starts (nil: nothing to prepare).
	setup func(ctx context.Context, a *apiServer, c *gqlClient, clients int) error
	next  func(clients int) nextRequest
	// lag samples how far the projections and saga trail the log's head while it runs.
	lag bool
}

func apiCases() []apiCase {
	floor := body(opFloor, nil)
	return []apiCase{
		{key: keyAPIFloor, title: "no-op mutation `mutation { __typename }` (framework floor)", store: keyMemory,
			next: func(int) nextRequest { return func(int, int) []byte { return floor } }},
		{key: keyAPIMemory, title: "createRestaurant / placeOrder 1:4, memory store", store: keyMemory, next: mutationMix, lag: true},
		{key: keyAPIJSONL, title: "createRestaurant / placeOrder 1:4, JSONL durable", store: keyJSONL, next: mutationMix, lag: true},
		{key: keyAPIQueryMem, title: "query restaurant(id) with its menu, memory store", store: keyMemory,
			setup: createOnePerClient, next: queryOwnRestaurant},
	}
}

// mutationMix has each client create a restaurant and then place orders at it.
func mutationMix(int) nextRequest {
	bodies := newMutationBodies()
	return func(client, i int) []byte {
		n := i / mutationsPerMenu
		if i%mutationsPerMenu == 0 {
			return bodies.createRestaurant(client, n)
		}
		return bodies.placeOrder(client, n)
	}
}

// createOnePerClient creates restaurant 0 of every client and waits until the read models
// have it.
func createOnePerClient(ctx context.Context, a *apiServer, c *gqlClient, clients int) error {
	bodies := newMutationBodies()
	for id := range clients {
		if _, err := c.do(ctx, bodies.createRestaurant(id, 0)); err != nil {
			return fmt.Errorf("create restaurant: %w", err)
		}
	}
	head, err := a.svc.Head(ctx)
	if err != nil {
		return err
	}
	if err := a.svc.WaitFor(ctx, head); err != nil {
		return err
	}
	data, err := c.do(ctx, body(opRestaurant, map[string]any{"id": restaurantID(0, 0)}))
	if err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(restaurantID(0, 0))) {
		return fmt.Errorf("restaurant %s not found after WaitFor: %s", restaurantID(0, 0), data)
	}
	return nil
}

func queryOwnRestaurant(clients int) nextRequest {
	bodies := make([][]byte, clients)
	for id := range bodies {
		bodies[id] = body(opRestaurant, map[string]any{"id": restaurantID(id, 0)})
	}
	return func(client, _ int) []byte { return bodies[client] }
}
