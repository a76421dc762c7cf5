// Package breaker is a circuit breaker for the requests to one metrics API
// group: after a number of consecutive failures it opens and rejects requests
// for a cool-down, then lets a single probe request through (half-open) and
// closes again when the probe succeeds.
//
// Time comes from an injected clock, so tests drive the cool-down with a fake one.
package breaker
