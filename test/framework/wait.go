package framework

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

const (
	// DefaultTimeout bounds each wait helper. It is generous because test packages run in
	// parallel on small machines; waits end as soon as their condition holds.
	DefaultTimeout = 2 * time.Minute
	// PollInterval is how often wait helpers check their condition.
	PollInterval = 100 * time.Millisecond
)

// WaitFor polls cond until it returns true, and fails the test if that does not happen
// within DefaultTimeout (or the test's context ends). what names the awaited state in the
// failure message, which also carries cond's last error. cond's errors do not end the wait.
func WaitFor(t testing.TB, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	WaitForWithin(t, DefaultTimeout, what, cond)
}

// WaitForWithin is WaitFor with a timeout of its own.
func WaitForWithin(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := Poll(t.Context(), timeout, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// Poll polls cond every PollInterval, at once first, until it returns true or timeout passes.
// The returned error carries cond's last error, if any. cond's errors do not end the wait.
func Poll(ctx context.Context, timeout time.Duration, cond func(ctx context.Context) (bool, error)) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		ok, err := cond(ctx)
		if err != nil {
			last = err
			return false, nil
		}
		return ok, nil
	})
	if err != nil && last != nil {
		return &pollError{err: err, last: last}
	}
	return err
}

type pollError struct{ err, last error }

func (e *pollError) Error() string { return e.err.Error() + " (last error: " + e.last.Error() + ")" }
func (e *pollError) Unwrap() error { return e.err }
