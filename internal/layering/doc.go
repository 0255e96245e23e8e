// Package layering holds a test of the module's import layering, as design.md fixes it:
// cmd → graph → the application (eventsourcing, readmodel, service) → the domain and the
// store → decider. Dependencies point one way, and the domain imports nothing of the
// module's but decider. It has no code.
package layering
