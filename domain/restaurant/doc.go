// Package restaurant is the restaurant aggregate: its commands, events, decider, view and
// event codec.
//
// A restaurant is created with a name and a menu, may change its menu, and takes orders for
// items on its current menu. The package is pure: it imports only the standard library, the
// decider kernel and the domain's JSON helpers (domain/internal/jsonw and jsonr, for its
// hand-written JSON), performs no I/O and reads no clock; ids arrive on the commands.
package restaurant
