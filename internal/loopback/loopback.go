// Package loopback tells names and addresses that can only mean this machine from the
// others, for the checks that trust a browser page served from this machine: the server's
// Host guard against DNS rebinding and the handler's Origin check. One rule serves both, so a
// page the one lets in is not refused by the other.
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host, a name or an address without a port or brackets, can only mean
// this machine: localhost and the names under it (RFC 6761, which browsers resolve to
// loopback themselves), in any case and with or without the root's trailing dot, and the
// loopback addresses.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
