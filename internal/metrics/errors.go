package metrics

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoMetrics is wrapped by the error returned when a metrics server answers
// a query with an empty list.
var ErrNoMetrics = errors.New("no metrics returned")

// describeGroup names a group and, when set, the subdomain it was chosen by,
// as the start of an error message.
func describeGroup(subdomain, group string) string {
	if subdomain == "" {
		return "API group " + group
	}
	return fmt.Sprintf("subdomain %q: API group %s", subdomain, group)
}

// GroupNotServedError reports that the API group a metric's subdomain maps to
// is not served in the cluster (no APIService registers it). The metric is then
// treated as not existing; the request is never sent to another group.
type GroupNotServedError struct {
	// Subdomain is the metric's subdomain ("" for the default group).
	Subdomain string
	// Group is the API group that is not served.
	Group string
}

// Error returns e.g. `subdomain "tenant-x": API group tenant-x.external.metrics.k8s.io is not served`.
func (e *GroupNotServedError) Error() string {
	return describeGroup(e.Subdomain, e.Group) + " is not served"
}

// NoSupportedVersionError reports that an API group is served, but in none of
// the versions mhpa can read.
type NoSupportedVersionError struct {
	// Subdomain is the metric's subdomain ("" for the default group).
	Subdomain string
	// Group is the API group.
	Group string
	// Served are the versions the group serves.
	Served []string
	// Supported are the versions mhpa reads, most preferred first.
	Supported []string
}

// Error names the served and the supported versions.
func (e *NoSupportedVersionError) Error() string {
	return fmt.Sprintf("%s is served in versions %v, none of which is supported (supported: %v)",
		describeGroup(e.Subdomain, e.Group), e.Served, e.Supported)
}

// CircuitOpenError reports that requests to a group fail fast because its
// circuit breaker is open (or half-open with its probe request in flight).
type CircuitOpenError struct {
	// Subdomain is the metric's subdomain ("" for the default group).
	Subdomain string
	// Group is the API group.
	Group string
	// Failures is the number of consecutive failures that opened the circuit.
	Failures int
	// RetryAt is when a probe request will be let through; zero while a probe is in flight.
	RetryAt time.Time
}

// Error says why the request was not sent and when the group is tried again.
func (e *CircuitOpenError) Error() string {
	if e.RetryAt.IsZero() {
		return fmt.Sprintf("%s: circuit breaker half-open after %d consecutive failures, a probe request is in flight",
			describeGroup(e.Subdomain, e.Group), e.Failures)
	}
	return fmt.Sprintf("%s: circuit breaker open after %d consecutive failures, requests fail fast until %s",
		describeGroup(e.Subdomain, e.Group), e.Failures, e.RetryAt.UTC().Format(time.RFC3339))
}

// ConcurrencyLimitError reports that all request slots of a group stayed busy
// for as long as the caller could wait.
type ConcurrencyLimitError struct {
	// Subdomain is the metric's subdomain ("" for the default group).
	Subdomain string
	// Group is the API group.
	Group string
	// Limit is the number of concurrent requests allowed to the group.
	Limit int
	// Waited is how long the caller waited for a slot.
	Waited time.Duration
}

// Error names the limit and the time waited.
func (e *ConcurrencyLimitError) Error() string {
	return fmt.Sprintf("%s: all %d request slots are busy, none freed within %s",
		describeGroup(e.Subdomain, e.Group), e.Limit, e.Waited.Round(time.Millisecond))
}

// RequestTimeoutError reports that a request to a group took longer than the
// group's request timeout. It unwraps to context.DeadlineExceeded.
type RequestTimeoutError struct {
	// Subdomain is the metric's subdomain ("" for the default group).
	Subdomain string
	// Group is the API group.
	Group string
	// Timeout is the group's request timeout.
	Timeout time.Duration
}

// Error names the timeout.
func (e *RequestTimeoutError) Error() string {
	return fmt.Sprintf("%s: request timed out after %s", describeGroup(e.Subdomain, e.Group), e.Timeout)
}

// Unwrap returns context.DeadlineExceeded.
func (e *RequestTimeoutError) Unwrap() error { return context.DeadlineExceeded }

// GroupError is any other failure of a request to a group: an error status
// from the server (use apierrors on it, e.g. apierrors.IsNotFound), a transport
// error or an answer that cannot be decoded.
type GroupError struct {
	// Subdomain is the metric's subdomain ("" for the default group).
	Subdomain string
	// Group is the API group.
	Group string
	// Err is the underlying error.
	Err error
}

// Error prefixes the underlying error with the group.
func (e *GroupError) Error() string {
	return describeGroup(e.Subdomain, e.Group) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *GroupError) Unwrap() error { return e.Err }
