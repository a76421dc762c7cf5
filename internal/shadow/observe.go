package shadow

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/decision"
)

const (
	// DefaultWindow is how far back a comparison keeps its runs, and the window
	// `kubectl mhpa describe` sums them over.
	DefaultWindow = 24 * time.Hour
	// MaxRuns is the most runs a comparison keeps; older ones are dropped first.
	MaxRuns = 32
)

// Reasons of the ShadowMetricsActive condition besides the failure reasons of package
// decision.
const (
	// ReasonShadowMetricsComputed says every shadow metric computed a replica count.
	ReasonShadowMetricsComputed = "ShadowMetricsComputed"
)

// Input is what [Observe] looks at after one decision.
type Input struct {
	// Now is the time of the decision.
	Now time.Time
	// Metrics are the autoscaler's spec.metrics (with API defaults applied). Only read.
	Metrics []v2.MetricSpec
	// Results are the decision's results per metric ([decision.Decision.Metrics]): empty when
	// the decision computed no metric.
	Results []decision.MetricResult
	// Previous are the comparisons persisted in status.shadowComparisons. Only read.
	Previous []v2.ShadowComparison
	// Window is how far back runs are kept; [DefaultWindow] when zero.
	Window time.Duration
}

// Result is what [Observe] says to persist and set.
type Result struct {
	// Comparisons are the comparisons for status.shadowComparisons: Previous itself when
	// nothing changed, so that an unchanged status needs no write; nil when there is no pair.
	Comparisons []v2.ShadowComparison
	// HasShadow is true when spec.metrics has a shadow metric. When false, the
	// ShadowMetricsActive condition is to be removed.
	HasShadow bool
	// Condition is the ShadowMetricsActive condition to set; nil when the decision computed
	// no metric (the condition is then left as it is) or there is no shadow metric.
	Condition *decision.Condition
}

// Observe records the outcome of one decision for every shadow/active pair, and says which
// ShadowMetricsActive condition to set.
func Observe(in Input) Result {
	res := Result{HasShadow: HasShadow(in.Metrics)}
	if !res.HasShadow {
		return res
	}
	computed := len(in.Results) == len(in.Metrics) && len(in.Results) > 0
	if computed {
		c := condition(in.Results)
		res.Condition = &c
	}
	pairs := Pairs(in.Metrics)
	if len(pairs) == 0 {
		return res
	}
	window := in.Window
	if window <= 0 {
		window = DefaultWindow
	}
	out := make([]v2.ShadowComparison, 0, len(pairs))
	changed := false
	for _, p := range pairs {
		shadowName, activeName := MetricName(&in.Metrics[p.Shadow]), MetricName(&in.Metrics[p.Active])
		prev := find(in.Previous, p, shadowName, activeName)
		var next v2.ShadowComparison
		same := prev != nil
		switch {
		case computed:
			outcome, active, shadow := compare(&in.Results[p.Active], &in.Results[p.Shadow])
			next, same = observe(prev, observation{
				now: in.Now, window: window, pair: p, shadowName: shadowName, activeName: activeName,
				outcome: outcome, active: active, shadow: shadow,
			})
		case prev != nil:
			// Not an observation: the comparison stays as it is.
			next = *prev
		default:
			// Not an observation, and nothing to keep: the comparison has not begun.
			continue
		}
		k := len(out)
		out = append(out, next)
		if !same || k >= len(in.Previous) || prev != &in.Previous[k] {
			changed = true
		}
	}
	if !changed && len(out) == len(in.Previous) {
		res.Comparisons = in.Previous
		return res
	}
	if len(out) > 0 {
		res.Comparisons = out
	}
	return res
}

// find returns the comparison of pair p with the given names, or nil.
func find(list []v2.ShadowComparison, p Pair, shadowName, activeName string) *v2.ShadowComparison {
	for i := range list {
		c := &list[i]
		if int(c.ShadowMetric) == p.Shadow && int(c.ActiveMetric) == p.Active && c.ShadowName == shadowName && c.ActiveName == activeName {
			return c
		}
	}
	return nil
}

// compare says how two metric results compare, and what each proposed.
func compare(active, shadow *decision.MetricResult) (v2.ShadowOutcome, int32, int32) {
	if active.Failed() || shadow.Failed() {
		return v2.ShadowFailed, 0, 0
	}
	a, s := active.Result.Replicas, shadow.Result.Replicas
	if a == s {
		return v2.ShadowAgree, a, s
	}
	return v2.ShadowDisagree, a, s
}

// observation is one decision's outcome for one pair.
type observation struct {
	now                    time.Time
	window                 time.Duration
	pair                   Pair
	shadowName, activeName string
	outcome                v2.ShadowOutcome
	active, shadow         int32
}

// observe records o in prev (nil when the comparison begins now) and returns the comparison
// and whether it is unchanged. prev is not modified; the result shares no slice that changed.
func observe(prev *v2.ShadowComparison, o observation) (v2.ShadowComparison, bool) {
	t := behavior.RecordTime(o.now)
	if prev == nil || len(prev.Runs) == 0 {
		c := v2.ShadowComparison{
			ShadowMetric: int32(o.pair.Shadow), ActiveMetric: int32(o.pair.Active),
			ShadowName: o.shadowName, ActiveName: o.activeName,
			Since: t,
			Runs:  []v2.ShadowRun{{Time: t, Outcome: o.outcome}},
		}
		if prev != nil {
			// A comparison whose runs were lost keeps its totals.
			c.Since, c.AgreedSeconds, c.DisagreedSeconds, c.FailedSeconds = prev.Since, prev.AgreedSeconds, prev.DisagreedSeconds, prev.FailedSeconds
			c.Disagreements, c.LastDisagreement = prev.Disagreements, prev.LastDisagreement
		}
		if o.outcome == v2.ShadowDisagree {
			c.Disagreements++
			c.LastDisagreement = &v2.ShadowDisagreement{Time: t, ActiveReplicas: o.active, ShadowReplicas: o.shadow}
		}
		return c, false
	}
	c := *prev
	open := prev.Runs[len(prev.Runs)-1]
	same := true
	if open.Outcome != o.outcome {
		same = false
		length := int64(t.Sub(open.Time.Time) / time.Second)
		if length < 0 {
			length = 0
		}
		switch open.Outcome {
		case v2.ShadowAgree:
			c.AgreedSeconds += length
		case v2.ShadowDisagree:
			c.DisagreedSeconds += length
		default:
			c.FailedSeconds += length
		}
		c.Runs = appendRun(prev.Runs, v2.ShadowRun{Time: t, Outcome: o.outcome}, o.now.Add(-o.window))
		if o.outcome == v2.ShadowDisagree {
			c.Disagreements++
		}
	}
	if o.outcome == v2.ShadowDisagree {
		ld := prev.LastDisagreement
		if open.Outcome != v2.ShadowDisagree || ld == nil || ld.ActiveReplicas != o.active || ld.ShadowReplicas != o.shadow {
			same = false
			c.LastDisagreement = &v2.ShadowDisagreement{Time: t, ActiveReplicas: o.active, ShadowReplicas: o.shadow}
		}
	}
	return c, same
}

// appendRun returns a new slice with runs and r, without the runs that ended before
// windowStart (a run ends when the next one begins) and without the oldest beyond MaxRuns.
func appendRun(runs []v2.ShadowRun, r v2.ShadowRun, windowStart time.Time) []v2.ShadowRun {
	kept := runs
	for len(kept) > 0 {
		end := r.Time
		if len(kept) > 1 {
			end = kept[1].Time
		}
		if !end.Time.Before(windowStart) {
			break
		}
		kept = kept[1:]
	}
	if over := len(kept) + 1 - MaxRuns; over > 0 {
		kept = kept[over:]
	}
	out := make([]v2.ShadowRun, 0, len(kept)+1)
	out = append(out, kept...)
	return append(out, r)
}

// condition is the ShadowMetricsActive condition for a decision's results, given that
// spec.metrics has a shadow metric.
func condition(results []decision.MetricResult) decision.Condition {
	total, failed, first := 0, 0, -1
	for i := range results {
		m := &results[i]
		if !m.Shadow {
			continue
		}
		total++
		if m.Failed() {
			if failed == 0 {
				first = i
			}
			failed++
		}
	}
	if failed == 0 {
		return decision.Condition{
			Type: v2.ShadowMetricsActive, Status: corev1.ConditionTrue, Reason: ReasonShadowMetricsComputed,
			Message: fmt.Sprintf("every shadow metric (%d) computed a replica count", total),
		}
	}
	m := &results[first]
	msg := fmt.Sprintf("shadow metric %s (spec.metrics[%d]) could not compute a replica count: %v", MetricName(m.Spec), first, m.Err)
	if failed > 1 {
		msg += fmt.Sprintf(" (%d of %d shadow metrics failed)", failed, total)
	}
	return decision.Condition{Type: v2.ShadowMetricsActive, Status: corev1.ConditionFalse, Reason: m.Reason, Message: msg}
}
