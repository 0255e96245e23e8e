package graphtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// SubscribeSSE starts a subscription over Server-Sent Events: a POST with
// Accept: text/event-stream whose response streams one "next" event per result and a
// "complete" event at the end. ctx bounds the setup only; Close ends the subscription.
func (c *Client) SubscribeSSE(ctx context.Context, query string, vars map[string]any) (*Subscription, error) {
	body, err := json.Marshal(Request{Query: query, Variables: vars})
	if err != nil {
		return nil, fmt.Errorf("graphtest: encode request: %w", err)
	}
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("graphtest: %w", err)
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	stop := context.AfterFunc(ctx, cancel) // a setup that outlives ctx is abandoned
	res, err := c.http.Do(req)
	stop()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("graphtest: POST %s: %w", c.url, err)
	}
	s := newSubscription(cancel)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer res.Body.Close()
		defer cancel()
		s.finish(readSSE(res, s))
	}()
	return s, nil
}

func readSSE(res *http.Response, s *Subscription) error {
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/event-stream" {
		var r Response
		b, _ := io.ReadAll(res.Body)
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("graphtest: HTTP %d, not an event stream: %.200q", res.StatusCode, b)
		}
		r.StatusCode = res.StatusCode
		s.deliver(&r)
		return io.EOF
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var event string
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			switch event {
			case "next":
				var r Response
				if err := json.Unmarshal([]byte(data.String()), &r); err != nil {
					return fmt.Errorf("graphtest: bad next event: %w", err)
				}
				if !s.deliver(&r) {
					return io.EOF
				}
			case "complete":
				return io.EOF
			}
			event = ""
			data.Reset()
		case strings.HasPrefix(line, ":"): // comment or keep-alive ping
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}
