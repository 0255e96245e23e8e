// Command demo is an example client of the eventgraph server. Against a
// running server it creates a restaurant, changes its menu, places an order,
// follows the order through a GraphQL subscription (graphql-transport-ws over
// WebSocket) while the server's saga creates it, marks it prepared, and sees
// the PREPARED change arrive — printing each step.
//
//	go run ./cmd/api --store memory &
//	go run ./cmd/demo --url http://127.0.0.1:8080/graphql
//
// Against a server started with --auth-tokens, give one of its tokens with
// --token or the environment variable EVENTGRAPH_TOKEN (the flag wins): the demo
// sends it as "Authorization: Bearer <token>" over HTTP and in the WebSocket's
// connection_init payload.
//
// It exits with status 1 when a step fails and 2 for invalid flags.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

// closeTimeout bounds the WebSocket close handshake.
const closeTimeout = 2 * time.Second

// TokenEnv is the environment variable of --token.
const TokenEnv = "EVENTGRAPH_TOKEN"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:], os.Getenv, http.DefaultClient, os.Stdout, os.Stderr))
}

// runMain parses args (without the program name) and the environment read with getenv,
// plays the demo with hc and returns the exit status: 0 when it ran (or for -h, whose usage
// goes to stdout, to pipe into a pager), 1 when a step failed, 2 for invalid flags or
// arguments (after the usage, on stderr).
func runMain(ctx context.Context, args []string, getenv func(string) string, hc *http.Client, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Parse's error and the usage are written below, where they belong
	endpoint := fs.String("url", "http://127.0.0.1:8080/graphql", "the server's GraphQL endpoint")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	token := fs.String("token", "", "bearer `token` for a server started with --auth-tokens (default $"+TokenEnv+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stdout)
			return 0
		}
		fmt.Fprintf(stderr, "demo: %v\n", err)
		usage(fs, stderr)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected argument %q\n", fs.Arg(0))
		usage(fs, stderr)
		return 2
	}
	if _, err := wsURL(*endpoint); err != nil {
		fmt.Fprintf(stderr, "demo: --url: %v\n", err)
		usage(fs, stderr)
		return 2
	}
	tokenGiven := false
	fs.Visit(func(f *flag.Flag) { tokenGiven = tokenGiven || f.Name == "token" })
	if !tokenGiven {
		*token = getenv(TokenEnv)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := run(ctx, &client{url: *endpoint, token: *token, http: hc}, stdout); err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		var ge gqlError
		switch {
		case refused(err):
			fmt.Fprintf(stderr, "demo: is the server running at %s? Start one with: go run ./cmd/api --store memory\n", *endpoint)
		case errors.As(err, &ge) && ge.Extensions.Code == "UNAUTHENTICATED":
			fmt.Fprintf(stderr, "demo: the server wants a token: give one of its --auth-tokens with --token or $%s\n", TokenEnv)
		}
		return 1
	}
	return 0
}

// usage prints what the demo does and its flags.
func usage(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w) // for PrintDefaults
	fmt.Fprint(w, `Usage: demo [flags]   (from a checkout: go run ./cmd/demo [flags])

Plays the eventgraph scenario against a running server, printing each step: creates a
restaurant, changes its menu, places an order, follows the order over a WebSocket
subscription while the server's saga creates it, marks it prepared, and reads it back
with minPosition. Start a server first, e.g. go run ./cmd/api --store memory

Flags:
`)
	fs.PrintDefaults()
}

// commandResult is what every mutation returns.
type commandResult struct {
	ID        string `json:"id"`
	StreamID  string `json:"streamId"`
	Version   int    `json:"version"`
	Position  int64  `json:"position"`
	Duplicate bool   `json:"duplicate"`
	Events    []struct {
		Type     string `json:"type"`
		Position int64  `json:"position"`
	} `json:"events"`
}

func (r commandResult) String() string {
	s := fmt.Sprintf("stream %s is at version %d, log position %d", r.StreamID, r.Version, r.Position)
	for _, e := range r.Events {
		s += fmt.Sprintf("\n     event #%d %s", e.Position, e.Type)
	}
	return s
}

// orderView is an order as the queries and subscriptions return it.
type orderView struct {
	ID           string `json:"id"`
	RestaurantID string `json:"restaurantId"`
	Status       string `json:"status"`
	Version      int    `json:"version"`
	MenuItems    []struct {
		Name  string `json:"name"`
		Price string `json:"price"`
	} `json:"menuItems"`
}

func (o orderView) String() string {
	items := make([]string, len(o.MenuItems))
	for i, it := range o.MenuItems {
		items[i] = it.Name + " " + it.Price
	}
	return fmt.Sprintf("order %s at %s: %s (version %d): %s",
		o.ID, o.RestaurantID, o.Status, o.Version, strings.Join(items, ", "))
}

const resultFields = `id streamId version position duplicate events { type position }`

const orderFields = `id restaurantId status version menuItems { name price }`

// run plays the demo with c, writing each step to out.
func run(ctx context.Context, c *client, out io.Writer) error {
	suffix := randomSuffix()
	restaurantID := "demo-" + suffix
	step := 0
	say := func(format string, args ...any) {
		step++
		fmt.Fprintf(out, "%d. "+format+"\n", append([]any{step}, args...)...)
	}

	var created struct{ CreateRestaurant commandResult }
	err := c.do(ctx, `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { `+resultFields+` } }`,
		map[string]any{"in": map[string]any{
			"id":        restaurantID,
			"name":      "Demo Bistro " + suffix,
			"commandId": "demo-create-" + suffix,
			"menu": map[string]any{"cuisine": "ITALIAN", "menuItems": []map[string]any{
				{"menuItemId": "margherita", "name": "Pizza Margherita", "price": "8.99"},
				{"menuItemId": "tiramisu", "name": "Tiramisu", "price": "4.50"},
			}},
		}}, &created)
	if err != nil {
		return fmt.Errorf("create restaurant: %w", err)
	}
	say("createRestaurant %s: %s", created.CreateRestaurant.ID, created.CreateRestaurant)

	var changed struct{ ChangeRestaurantMenu commandResult }
	err = c.do(ctx, `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { `+resultFields+` } }`,
		map[string]any{"in": map[string]any{
			"id":              restaurantID,
			"expectedVersion": created.CreateRestaurant.Version,
			"menu": map[string]any{"cuisine": "ITALIAN", "menuItems": []map[string]any{
				{"menuItemId": "margherita", "name": "Pizza Margherita", "price": "9.50"},
				{"menuItemId": "lasagne", "name": "Lasagne", "price": "11.00"},
				{"menuItemId": "tiramisu", "name": "Tiramisu", "price": "4.50"},
			}},
		}}, &changed)
	if err != nil {
		return fmt.Errorf("change menu: %w", err)
	}
	say("changeRestaurantMenu (margherita now 9.50, lasagne added): %s", changed.ChangeRestaurantMenu)

	var placed struct{ PlaceOrder commandResult }
	err = c.do(ctx, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { `+resultFields+` } }`,
		map[string]any{"in": map[string]any{
			"restaurantId": restaurantID,
			"menuItemIds":  []string{"margherita", "lasagne", "margherita"},
		}}, &placed)
	if err != nil {
		return fmt.Errorf("place order: %w", err)
	}
	orderID := placed.PlaceOrder.ID
	say("placeOrder → new order %s: %s", orderID, placed.PlaceOrder)

	sub, err := c.subscribe(ctx, `subscription($id: ID!) { orderChanged(id: $id) { `+orderFields+` } }`,
		map[string]any{"id": orderID})
	if err != nil {
		return fmt.Errorf("subscribe to the order: %w", err)
	}
	defer sub.close()
	say("subscribed to orderChanged(id: %q) over WebSocket (graphql-transport-ws)", orderID)

	// The saga creates the order asynchronously: wait until the subscription shows it.
	var o struct{ OrderChanged orderView }
	for o.OrderChanged.Status != "CREATED" {
		if err := sub.next(ctx, &o); err != nil {
			return fmt.Errorf("wait for the order to be created: %w", err)
		}
	}
	say("subscription: %s", o.OrderChanged)

	var prepared struct{ MarkOrderAsPrepared commandResult }
	err = c.do(ctx, `mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { `+resultFields+` } }`,
		map[string]any{"in": map[string]any{"id": orderID, "expectedVersion": o.OrderChanged.Version}},
		&prepared)
	if err != nil {
		return fmt.Errorf("mark the order prepared: %w", err)
	}
	say("markOrderAsPrepared: %s", prepared.MarkOrderAsPrepared)

	for o.OrderChanged.Status != "PREPARED" {
		if err := sub.next(ctx, &o); err != nil {
			return fmt.Errorf("wait for the PREPARED change: %w", err)
		}
	}
	say("subscription: %s", o.OrderChanged)

	var q struct {
		Order      *orderView
		Restaurant *struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
		}
	}
	err = c.do(ctx, `query($id: ID!, $rid: ID!, $pos: Int64) {
		order(id: $id, minPosition: $pos) { `+orderFields+` }
		restaurant(id: $rid, minPosition: $pos) { name version }
	}`, map[string]any{"id": orderID, "rid": restaurantID, "pos": prepared.MarkOrderAsPrepared.Position}, &q)
	if err != nil {
		return fmt.Errorf("query the order: %w", err)
	}
	if q.Order == nil || q.Order.Status != "PREPARED" || q.Restaurant == nil {
		return fmt.Errorf("query after position %d: order %s, restaurant %s, want the prepared order and its restaurant",
			prepared.MarkOrderAsPrepared.Position, oneLine(q.Order), oneLine(q.Restaurant))
	}
	say("query with minPosition %d (read your own writes): %s; restaurant %q is at version %d",
		prepared.MarkOrderAsPrepared.Position, *q.Order, q.Restaurant.Name, q.Restaurant.Version)
	fmt.Fprintln(out, "done")
	return nil
}

// randomSuffix returns 8 random hex digits, so repeated runs use new ids.
func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
