// Package graphtest is a small GraphQL client for tests and demos of eventgraph's /graphql
// endpoint: queries and mutations over POST and GET, and subscriptions over WebSocket (both
// the graphql-transport-ws and the legacy graphql-ws subprotocols) and Server-Sent Events.
//
// Responses keep GraphQL errors with their extensions, so tests can assert on error codes:
//
//	c := graphtest.New(srv.URL + "/graphql")
//	resp, err := c.Query(ctx, `{ status { head } }`, nil)
//	if err != nil { ... }              // transport failure
//	if resp.Code() != "" { ... }       // a GraphQL error, e.g. "BAD_USER_INPUT"
package graphtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Client sends GraphQL operations to one endpoint. It is safe for concurrent use.
type Client struct {
	url    string
	http   *http.Client
	header http.Header
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client used for every request and WebSocket handshake.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithHeader adds a header to every request and WebSocket handshake (e.g. Origin).
func WithHeader(key, value string) Option { return func(c *Client) { c.header.Add(key, value) } }

// New returns a client for the GraphQL endpoint at url, e.g. "http://127.0.0.1:8080/graphql".
func New(url string, opts ...Option) *Client {
	c := &Client{url: url, http: http.DefaultClient, header: http.Header{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// URL returns the endpoint's URL.
func (c *Client) URL() string { return c.url }

// Request is a GraphQL request body.
type Request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// Query sends a query or mutation with POST and returns the GraphQL response. The error is
// non-nil only when no GraphQL response was received (GraphQL errors are in the Response).
func (c *Client) Query(ctx context.Context, query string, vars map[string]any) (*Response, error) {
	body, err := json.Marshal(Request{Query: query, Variables: vars})
	if err != nil {
		return nil, fmt.Errorf("graphtest: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("graphtest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// Get sends a query with GET (query and variables in the URL) and returns the response.
func (c *Client) Get(ctx context.Context, query string, vars map[string]any) (*Response, error) {
	q := url.Values{"query": {query}}
	if vars != nil {
		b, err := json.Marshal(vars)
		if err != nil {
			return nil, fmt.Errorf("graphtest: encode variables: %w", err)
		}
		q.Set("variables", string(b))
	}
	u, err := url.Parse(c.url)
	if err != nil {
		return nil, fmt.Errorf("graphtest: %w", err)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("graphtest: %w", err)
	}
	return c.do(req)
}

func (c *Client) do(req *http.Request) (*Response, error) {
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("graphtest: %s %s: %w", req.Method, c.url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("graphtest: read response: %w", err)
	}
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("graphtest: HTTP %d, not a GraphQL response: %.200q", res.StatusCode, b)
	}
	r.StatusCode = res.StatusCode
	return &r, nil
}
