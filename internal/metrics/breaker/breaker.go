package breaker

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// State is the state of a circuit breaker.
type State int

const (
	// Closed lets every request through and counts consecutive failures.
	Closed State = iota
	// HalfOpen lets one probe request through; its outcome closes or reopens the circuit.
	HalfOpen
	// Open rejects every request until the cool-down has passed.
	Open
)

// String returns "closed", "half-open" or "open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Outcome is what became of a request the breaker let through.
type Outcome int

const (
	// Success means the server answered (any answer that is not a server failure).
	Success Outcome = iota
	// Failure means a timeout, a transport error or a server error.
	Failure
	// Ignored means the request says nothing about the server's health, e.g.
	// the caller gave up before it was sent or while it was in flight.
	Ignored
)

// Default values of Options.
const (
	DefaultFailureThreshold = 5
	DefaultCoolDown         = 30 * time.Second
)

// Options configures a Breaker. Zero fields take the defaults.
type Options struct {
	// FailureThreshold is the number of consecutive failures that opens the circuit.
	FailureThreshold int
	// CoolDown is how long the circuit stays open before a probe is let through.
	CoolDown time.Duration
	// Clock tells the time; the real clock when nil.
	Clock clock.PassiveClock
	// OnStateChange, when set, is called with the new state after every
	// transition, while the breaker's lock is held: it must not call the breaker.
	OnStateChange func(to State)
}

// Breaker is a circuit breaker, safe for concurrent use.
type Breaker struct {
	threshold int
	coolDown  time.Duration
	clock     clock.PassiveClock
	onChange  func(State)

	mu         sync.Mutex
	state      State
	failures   int
	retryAt    time.Time
	generation uint64
	probing    bool
}

// New returns a closed Breaker.
func New(opts Options) *Breaker {
	b := &Breaker{
		threshold: opts.FailureThreshold,
		coolDown:  opts.CoolDown,
		clock:     opts.Clock,
		onChange:  opts.OnStateChange,
	}
	if b.threshold <= 0 {
		b.threshold = DefaultFailureThreshold
	}
	if b.coolDown <= 0 {
		b.coolDown = DefaultCoolDown
	}
	if b.clock == nil {
		b.clock = clock.RealClock{}
	}
	return b
}

// OpenError is returned by Allow when the breaker rejects a request.
type OpenError struct {
	// Failures is the number of consecutive failures that opened the circuit.
	Failures int
	// RetryAt is when the next probe is let through; zero when the circuit is
	// half-open and its probe is in flight.
	RetryAt time.Time
}

// Error describes the rejection.
func (e *OpenError) Error() string {
	if e.RetryAt.IsZero() {
		return fmt.Sprintf("circuit half-open after %d consecutive failures, probe in flight", e.Failures)
	}
	return fmt.Sprintf("circuit open after %d consecutive failures until %s", e.Failures, e.RetryAt.UTC().Format(time.RFC3339))
}

// Ticket is the permission to send one request. Its Done must be called
// exactly once with the request's outcome.
type Ticket struct {
	b          *Breaker
	generation uint64
	probe      bool
}

// Probe reports whether the ticket is the half-open probe.
func (t Ticket) Probe() bool { return t.probe }

// Allow lets a request through, or rejects it with an *OpenError.
func (b *Breaker) Allow() (Ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return Ticket{b: b, generation: b.generation}, nil
	case Open:
		if b.clock.Now().Before(b.retryAt) {
			return Ticket{}, &OpenError{Failures: b.failures, RetryAt: b.retryAt}
		}
		b.setState(HalfOpen)
		fallthrough
	default: // HalfOpen
		if b.probing {
			return Ticket{}, &OpenError{Failures: b.failures}
		}
		b.probing = true
		return Ticket{b: b, generation: b.generation, probe: true}, nil
	}
}

// Done records the outcome of the request t was issued for. Outcomes of
// requests let through before the last transition are ignored.
func (t Ticket) Done(o Outcome) {
	b := t.b
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.generation != b.generation {
		return
	}
	switch o {
	case Success:
		b.failures = 0
		if b.state != Closed {
			b.probing = false
			b.setState(Closed)
		}
	case Failure:
		b.failures++
		if (b.state == Closed && b.failures >= b.threshold) || (b.state == HalfOpen && t.probe) {
			b.probing = false
			b.retryAt = b.clock.Now().Add(b.coolDown)
			b.setState(Open)
		}
	case Ignored:
		if t.probe && b.state == HalfOpen {
			b.probing = false
		}
	}
}

// State returns the current state. An open circuit whose cool-down has passed
// is reported as open until the next Allow turns it half-open.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// setState moves to s and starts a new generation; b.mu must be held.
func (b *Breaker) setState(s State) {
	if s == b.state {
		return
	}
	b.state = s
	b.generation++
	if b.onChange != nil {
		b.onChange(s)
	}
}
