package behavior

import (
	"fmt"
	"math"
	"time"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// DefaultDownscaleStabilizationWindow is kube-controller-manager's default for
// --horizontal-pod-autoscaler-downscale-stabilization: the scale-down stabilization window of
// autoscalers without one of their own.
const DefaultDownscaleStabilizationWindow = 5 * time.Minute

// The defaults upstream fills into a behavior that leaves them unset.
var (
	// defaultScaleUpPolicies allow adding 4 pods or 100% every 15 seconds, whichever is more.
	defaultScaleUpPolicies = []v2.HPAScalingPolicy{
		{Type: v2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
		{Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
	}
	// defaultScaleDownPolicies allow removing 100% every 15 seconds.
	defaultScaleDownPolicies = []v2.HPAScalingPolicy{
		{Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
	}
)

// Rules are the scaling rules of one direction with upstream's defaults filled in.
type Rules struct {
	// StabilizationWindowSeconds is how far back recommendations are considered.
	StabilizationWindowSeconds int32
	// SelectPolicy chooses among the policies: MaxChange, MinChange or ScalingDisabled.
	SelectPolicy v2.ScalingPolicySelect
	// Policies limit the change per period. The slice may be shared: do not modify it.
	Policies []v2.HPAScalingPolicy
}

// ScaleUpRules returns the scale-up rules of a behavior with upstream's defaults for what is
// unset: no stabilization, MaxChange, and 4 pods or 100% per 15 seconds.
func ScaleUpRules(r *v2.HPAScalingRules) Rules {
	out := Rules{SelectPolicy: v2.MaxChangePolicySelect, Policies: defaultScaleUpPolicies}
	return fill(out, r)
}

// ScaleDownRules returns the scale-down rules of a behavior with upstream's defaults for what
// is unset: the given default stabilization window (the controller's flag), MaxChange, and
// 100% per 15 seconds.
func ScaleDownRules(r *v2.HPAScalingRules, defaultWindow time.Duration) Rules {
	out := Rules{
		StabilizationWindowSeconds: int32(defaultWindow / time.Second),
		SelectPolicy:               v2.MaxChangePolicySelect,
		Policies:                   defaultScaleDownPolicies,
	}
	return fill(out, r)
}

func fill(out Rules, r *v2.HPAScalingRules) Rules {
	if r == nil {
		return out
	}
	if r.StabilizationWindowSeconds != nil {
		out.StabilizationWindowSeconds = *r.StabilizationWindowSeconds
	}
	if r.SelectPolicy != nil {
		out.SelectPolicy = *r.SelectPolicy
	}
	if r.Policies != nil {
		out.Policies = r.Policies
	}
	return out
}

// Window is the stabilization window as a duration.
func (r Rules) Window() time.Duration {
	return time.Duration(r.StabilizationWindowSeconds) * time.Second
}

// LongestPeriodSeconds is the longest period among the policies.
func (r Rules) LongestPeriodSeconds() int32 {
	var longest int32
	for _, p := range r.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	return longest
}

// LimitInput is the input of a rate limit calculation.
type LimitInput struct {
	// Now is the time of the decision; periods end at it.
	Now time.Time
	// CurrentReplicas is the scale target's current replica count.
	CurrentReplicas int32
	// History holds the scale events of both directions.
	History History
	// Rules are the rules of the direction being limited.
	Rules Rules
}

// Limit is the furthest a direction's policies let the replica count go now.
type Limit struct {
	// Replicas is the limit: the highest count for a scale-up, the lowest for a scale-down.
	// It may lie beyond the current count in the other direction when recent events used up
	// more than the policies allow; callers then keep the current count.
	Replicas int32
	// Disabled is true when selectPolicy disables scaling in this direction.
	Disabled bool
	// Policy is the index of the policy that set the limit, or -1.
	Policy int
	// PeriodStartReplicas is the replica count at the start of that policy's period, as
	// reconstructed from the scale events.
	PeriodStartReplicas int32
}

// ScaleUpLimit is the highest replica count the scale-up rules allow now: for each policy, the
// count at the start of its period (the current count less the replicas added and plus those
// removed within it) plus the policy's pods or percent (rounded up), and of those the highest
// (MaxChange) or lowest (MinChange).
func ScaleUpLimit(in LimitInput) Limit {
	return limit(in, true)
}

// ScaleDownLimit is the lowest replica count the scale-down rules allow now: for each policy,
// the count at the start of its period less the policy's pods or percent (rounded down), and
// of those the lowest (MaxChange) or highest (MinChange).
func ScaleDownLimit(in LimitInput) Limit {
	return limit(in, false)
}

func limit(in LimitInput, up bool) Limit {
	r := in.Rules
	if r.SelectPolicy == v2.DisabledPolicySelect {
		return Limit{Replicas: in.CurrentReplicas, Disabled: true, Policy: -1}
	}
	// For a scale-up the biggest change is the highest count; for a scale-down the lowest.
	biggest := r.SelectPolicy != v2.MinChangePolicySelect
	wantHigh := biggest == up
	out := Limit{Policy: -1, Replicas: math.MaxInt32}
	if wantHigh {
		out.Replicas = math.MinInt32
	}
	for i, p := range r.Policies {
		added := ReplicasChange(in.History.ScaleUpEvents, p.PeriodSeconds, in.Now)
		removed := ReplicasChange(in.History.ScaleDownEvents, p.PeriodSeconds, in.Now)
		start := in.CurrentReplicas - added + removed
		var proposed int32
		switch {
		case up && p.Type == v2.PodsScalingPolicy:
			proposed = start + p.Value
		case up && p.Type == v2.PercentScalingPolicy:
			// Rounded up, or a small count could never grow.
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		case p.Type == v2.PodsScalingPolicy:
			proposed = start - p.Value
		case p.Type == v2.PercentScalingPolicy:
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		default:
			// An unknown policy type proposes no change from the period's start.
			proposed = start
		}
		if (wantHigh && proposed > out.Replicas) || (!wantHigh && proposed < out.Replicas) {
			out.Replicas, out.Policy, out.PeriodStartReplicas = proposed, i, start
		}
	}
	return out
}

// describe explains the limit in words, naming the policy that set it. current is the
// current replica count, at which the count is held when the limit lies beyond it.
func (l Limit) describe(r Rules, direction string, current int32) string {
	if l.Disabled {
		return fmt.Sprintf("scaling %s is disabled (selectPolicy %s)", direction, r.SelectPolicy)
	}
	if l.Policy < 0 {
		return fmt.Sprintf("no scale-%s policy allows a change (selectPolicy %s)", direction, r.SelectPolicy)
	}
	p := r.Policies[l.Policy]
	unit := ""
	if p.Type == v2.PercentScalingPolicy {
		unit = "%"
	}
	policy := fmt.Sprintf("policy %s %d%s per %ds (selectPolicy %s) allows %d replicas, from %d at the start of its period",
		p.Type, p.Value, unit, p.PeriodSeconds, r.SelectPolicy, l.Replicas, l.PeriodStartReplicas)
	if (direction == "up" && l.Replicas < current) || (direction == "down" && l.Replicas > current) {
		return fmt.Sprintf("scale-%s held at the current %d replicas: recent scale events used up the %s", direction, current, policy)
	}
	return fmt.Sprintf("scale-%s limited to %d replicas: %s", direction, l.Replicas, policy)
}
