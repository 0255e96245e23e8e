package graph

import (
	"net/http"
	"strings"
)

// ignoreH2C serves a request that offers only an upgrade to HTTP/2 over cleartext as the
// HTTP/1.1 request it also is, as net/http's server does and RFC 9110 §7.8 allows: curl
// --http2 sends Upgrade: h2c with every request to an http:// URL. gqlgen takes any request
// with an Upgrade header for a WebSocket handshake, which the endpoint would then refuse
// with 400. Other protocols are still refused (see refuseHandshake): a client asking for
// one expects it.
func ignoreH2C(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if up := r.Header.Values("Upgrade"); len(up) > 0 && onlyH2C(up) {
			r = r.Clone(r.Context())
			r.Header.Del("Upgrade")
			r.Header.Del("Http2-Settings")
		}
		next.ServeHTTP(w, r)
	})
}

// offersUpgrade reports whether h asks for a protocol upgrade the handler may serve or
// refuse: an Upgrade header that names more than h2c, which the handler ignores (see
// ignoreH2C). IsEventStream reads it, so that a server in front of the handler (its
// deadlines, its shutdown of streams) tells a request from a stream as the handler does.
func offersUpgrade(h http.Header) bool {
	up := h.Values("Upgrade")
	return len(up) > 0 && !onlyH2C(up)
}

// onlyH2C reports whether the Upgrade header's values name h2c and nothing else.
func onlyH2C(values []string) bool {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "h2c") {
				return false
			}
		}
	}
	return true
}
