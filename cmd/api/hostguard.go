package main

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/eventgraph/eventgraph/internal/loopback"
)

// codeHostNotAllowed is the code of a request refused by guardHost.
const codeHostNotAllowed = "HOST_NOT_ALLOWED"

// guardHost refuses, on a server that listens only on a loopback address, requests whose
// Host header names another host. That is DNS rebinding: a page of attacker.example has
// its name resolve to 127.0.0.1 once the page is loaded, and the browser then sends the
// page's requests to this server as same-origin requests of attacker.example (Host:
// attacker.example:8080). They pass an Origin check that trusts the request's own host, and a
// same-origin GET carries no Origin at all. A browser reaches a loopback server by a
// loopback name (localhost, a *.localhost name) or address; the hosts of allowedOrigins
// are accepted too, for a proxy in front. A server that listens on other addresses is
// reached by names it cannot know, and is left to its Origin check and its tokens.
func guardHost(listen string, allowedOrigins []string, next http.Handler) http.Handler {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || !loopback.Host(host) || slices.Contains(allowedOrigins, "*") {
		return next
	}
	extra := map[string]bool{}
	for _, o := range allowedOrigins {
		if u, err := url.Parse(o); err == nil {
			// Keyed as requestHost makes a Host header, final dot and all: a page at
			// https://app.example.com./ is the same host's.
			extra[strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := requestHost(r.Host); h != "" && !loopback.Host(h) && !extra[h] {
			writeError(w, r, http.StatusForbidden, codeHostNotAllowed,
				"host not allowed: this server listens on a loopback address and answers requests for localhost or a loopback address only (add the name's origin to --allowed-origins to allow it)", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestHost returns the host name of a Host header, without its port or an IPv6
// address's brackets, in lower case and without a final dot.
func requestHost(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
