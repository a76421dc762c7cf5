package breaker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clocktesting "k8s.io/utils/clock/testing"
)

// step is one action on a breaker: advance the clock, ask for a ticket, or
// finish the ticket taken by an earlier step.
type step struct {
	advance time.Duration
	allow   bool    // ask for a ticket
	finish  int     // 1-based index of the allow step whose ticket to finish; 0 = none
	outcome Outcome // outcome for finish
}

// result is what a step observed.
type result struct {
	Allowed bool
	Probe   bool
	RetryAt time.Duration // from the start, when rejected with a retry time
	State   string
}

func TestBreaker(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	allow := step{allow: true}
	done := func(i int, o Outcome) step { return step{finish: i, outcome: o} }
	wait := func(d time.Duration) step { return step{advance: d} }
	closed := func(probe bool) result { return result{Allowed: true, Probe: probe, State: "closed"} }
	st := func(s string) result { return result{State: s} }

	cases := map[string]struct {
		steps []step
		want  []result
	}{
		"failures below the threshold keep it closed; a success resets the count": {
			steps: []step{allow, done(1, Failure), allow, done(3, Failure), allow, done(5, Success),
				allow, done(7, Failure), allow, done(9, Failure), allow},
			want: []result{closed(false), st("closed"), closed(false), st("closed"), closed(false), st("closed"),
				closed(false), st("closed"), closed(false), st("closed"), closed(false)},
		},
		"threshold failures open it; requests are rejected until the cool-down ends": {
			steps: []step{allow, allow, allow, done(1, Failure), done(2, Failure), done(3, Failure),
				allow, wait(29 * time.Second), allow},
			want: []result{closed(false), closed(false), closed(false), st("closed"), st("closed"), st("open"),
				{RetryAt: 30 * time.Second, State: "open"}, st("open"), {RetryAt: 30 * time.Second, State: "open"}},
		},
		"after the cool-down one probe goes through; a successful probe closes it": {
			steps: []step{allow, done(1, Failure), allow, done(3, Failure), allow, done(5, Failure),
				wait(30 * time.Second), allow, allow, done(8, Success), allow},
			want: []result{closed(false), st("closed"), closed(false), st("closed"), closed(false), st("open"),
				st("open"), {Allowed: true, Probe: true, State: "half-open"}, {State: "half-open"}, st("closed"), closed(false)},
		},
		"a failed probe reopens it for another cool-down": {
			steps: []step{allow, done(1, Failure), allow, done(3, Failure), allow, done(5, Failure),
				wait(30 * time.Second), allow, done(8, Failure), allow, wait(30 * time.Second), allow},
			want: []result{closed(false), st("closed"), closed(false), st("closed"), closed(false), st("open"),
				st("open"), {Allowed: true, Probe: true, State: "half-open"}, st("open"), {RetryAt: 60 * time.Second, State: "open"},
				st("open"), {Allowed: true, Probe: true, State: "half-open"}},
		},
		"an ignored probe lets the next caller probe": {
			steps: []step{allow, done(1, Failure), allow, done(3, Failure), allow, done(5, Failure),
				wait(30 * time.Second), allow, done(8, Ignored), allow},
			want: []result{closed(false), st("closed"), closed(false), st("closed"), closed(false), st("open"),
				st("open"), {Allowed: true, Probe: true, State: "half-open"}, st("half-open"), {Allowed: true, Probe: true, State: "half-open"}},
		},
		"outcomes of requests let through before the circuit opened are ignored": {
			steps: []step{allow, allow, allow, allow, done(1, Failure), done(2, Failure), done(3, Failure),
				done(4, Success), allow},
			want: []result{closed(false), closed(false), closed(false), closed(false), st("closed"), st("closed"), st("open"),
				st("open"), {RetryAt: 30 * time.Second, State: "open"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			clk := clocktesting.NewFakePassiveClock(start)
			var transitions []string
			b := New(Options{FailureThreshold: 3, CoolDown: 30 * time.Second, Clock: clk,
				OnStateChange: func(s State) { transitions = append(transitions, s.String()) }})
			tickets := map[int]Ticket{}
			var got []result
			for i, s := range tc.steps {
				var r result
				switch {
				case s.advance > 0:
					clk.SetTime(clk.Now().Add(s.advance))
				case s.allow:
					tk, err := b.Allow()
					if err == nil {
						tickets[i+1] = tk
						r.Allowed, r.Probe = true, tk.Probe()
					} else if oe, ok := err.(*OpenError); ok && !oe.RetryAt.IsZero() {
						r.RetryAt = oe.RetryAt.Sub(start)
					}
				case s.finish > 0:
					tk, ok := tickets[s.finish]
					if !ok {
						t.Fatalf("step %d finishes step %d, which got no ticket", i+1, s.finish)
					}
					tk.Done(s.outcome)
				}
				r.State = b.State().String()
				got = append(got, r)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s\ntransitions: %v", diff, transitions)
			}
		})
	}
}

func TestOpenErrorText(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	if got, want := (&OpenError{Failures: 5, RetryAt: at}).Error(), "circuit open after 5 consecutive failures until 2026-01-01T00:00:30Z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (&OpenError{Failures: 5}).Error(), "circuit half-open after 5 consecutive failures, probe in flight"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
