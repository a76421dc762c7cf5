package behavior

import (
	"fmt"
	"math"
	"time"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Condition reasons and messages of stabilization (condition AbleToScale) and of limits
// (condition ScalingLimited), as upstream sets them.
const (
	ReasonReadyForNewScale    = "ReadyForNewScale"
	ReasonScaleUpStabilized   = "ScaleUpStabilized"
	ReasonScaleDownStabilized = "ScaleDownStabilized"
	ReasonDesiredWithinRange  = "DesiredWithinRange"
	ReasonTooManyReplicas     = "TooManyReplicas"
	ReasonTooFewReplicas      = "TooFewReplicas"
	ReasonScaleUpLimit        = "ScaleUpLimit"
	ReasonScaleDownLimit      = "ScaleDownLimit"

	MessageReadyForNewScale    = "recommended size matches current size"
	MessageScaleUpStabilized   = "recent recommendations were lower than current one, applying the lowest recent recommendation"
	MessageScaleDownStabilized = "recent recommendations were higher than current one, applying the highest recent recommendation"
	MessageDesiredWithinRange  = "the desired count is within the acceptable range"
	MessageTooManyReplicas     = "the desired replica count is more than the maximum replica count"
	MessageTooFewReplicas      = "the desired replica count is less than the minimum replica count"
	MessageScaleUpLimit        = "the desired replica count is increasing faster than the maximum scale rate"
	MessageScaleDownLimit      = "the desired replica count is decreasing faster than the maximum scale rate"
)

// Legacy scale-up limit without a behavior: at most max(2 × current, 4) replicas at once.
const (
	legacyScaleUpFactor  = 2.0
	legacyScaleUpMinimum = 4.0
)

// Input is the input of [Normalize].
type Input struct {
	// Now is the time of the decision.
	Now time.Time
	// CurrentReplicas is the scale target's current replica count.
	CurrentReplicas int32
	// Recommendation is the replica count the metrics recommend.
	Recommendation int32
	// MinReplicas and MaxReplicas bound the result.
	MinReplicas, MaxReplicas int32
	// Behavior is the autoscaler's spec.behavior; nil selects the legacy limits.
	Behavior *v2.HorizontalPodAutoscalerBehavior
	// DownscaleStabilizationWindow is the controller's default scale-down stabilization
	// window, used without a behavior and by a behavior whose scale-down window is unset.
	DownscaleStabilizationWindow time.Duration
	// History holds the past recommendations and scale events.
	History History
	// LastRecommendationTime is when the count of the history's open run (its last
	// recommendation entry) was last recommended: the time of the previous decision that
	// recorded a recommendation. It closes that run when this decision recommends a different
	// count, so that the run stays in the windows exactly as long as upstream keeps its last
	// sample there. Zero when unknown (for example after a restart of the controller): the run
	// is then taken to have been recommended until now, which keeps it in the windows at least
	// as long as upstream would, at most one sync period longer. A time before the open run
	// began or not before Now is treated as unknown.
	LastRecommendationTime time.Time
}

// Step is the outcome of one stage of normalization: the condition reason and message
// upstream sets for it and, when the stage changed the count, what it applied. It holds only
// plain values; [Step.Detail] words them on demand.
type Step struct {
	// Reason is the condition reason, for example ScaleDownStabilized or TooManyReplicas.
	Reason string
	// Message is the condition message upstream sets with that reason.
	Message string
	// Applied is true when the stage changed the count.
	Applied bool
	// Bound is the count the stage arrived at: the extreme recommendation within a window,
	// the limit of a policy, minReplicas or maxReplicas.
	Bound int32
	// Current is the current replica count.
	Current int32
	// WindowSeconds is the stabilization window that applied.
	WindowSeconds int32
	// Legacy is true for the legacy scale-up limit of an autoscaler without a behavior.
	Legacy bool
	// Limit is the rate limit that applied, with Rules the rules it came from.
	Limit Limit
	// Rules are the rules of the direction whose policies applied.
	Rules Rules
}

// Detail explains in words what the step applied; empty when it changed nothing.
func (s Step) Detail() string {
	if !s.Applied {
		return ""
	}
	switch s.Reason {
	case ReasonScaleUpStabilized:
		return fmt.Sprintf("the lowest recommendation within the last %ds (scale-up stabilization window) was %d", s.WindowSeconds, s.Bound)
	case ReasonScaleDownStabilized:
		return fmt.Sprintf("the highest recommendation within the last %ds (scale-down stabilization window) was %d", s.WindowSeconds, s.Bound)
	case ReasonScaleUpLimit:
		if s.Legacy {
			return fmt.Sprintf("without spec.behavior a scale-up goes to at most max(2 × %d, 4) = %d replicas at once", s.Current, s.Bound)
		}
		return s.Limit.describe(s.Rules, "up", s.Current)
	case ReasonScaleDownLimit:
		return s.Limit.describe(s.Rules, "down", s.Current)
	case ReasonTooManyReplicas:
		return fmt.Sprintf("limited to maxReplicas %d", s.Bound)
	case ReasonTooFewReplicas:
		return fmt.Sprintf("raised to minReplicas %d", s.Bound)
	}
	return s.Message
}

// Result is the outcome of [Normalize].
type Result struct {
	// Stabilized is the recommendation after the stabilization windows.
	Stabilized int32
	// Replicas is the desired replica count after the rate limits and min/max.
	Replicas int32
	// Stabilization is the reason for condition AbleToScale: ScaleUpStabilized or
	// ScaleDownStabilized when a window changed the recommendation, ReadyForNewScale
	// otherwise.
	Stabilization Step
	// Limit is the reason for condition ScalingLimited, which is true when Replicas differs
	// from Stabilized.
	Limit Step
	// History is the input history with the recommendation recorded.
	History History
}

// Limited reports whether a limit changed the stabilized recommendation.
func (r Result) Limited() bool { return r.Replicas != r.Stabilized }

// Normalize applies the stabilization windows, then the rate limits and min/max to a
// recommendation. With a behavior it follows the behavior's rules; without one it applies the
// legacy limits: a scale-down stabilization window of DownscaleStabilizationWindow, no
// scale-up stabilization, and a scale-up of at most max(2 × current, 4) at once.
func Normalize(in Input) Result {
	if in.Behavior == nil {
		return normalizeLegacy(in)
	}
	return normalizeWithBehavior(in)
}

func normalizeLegacy(in Input) Result {
	length := in.DownscaleStabilizationWindow
	recs := in.History.Recommendations
	open := lastRecommended(recs, in.LastRecommendationTime, in.Now)
	// Upstream's legacy stabilization still holds a recommendation made exactly a window ago.
	w := newWindow(in.Now, length, true)
	stabilized := in.Recommendation
	for i := range recs {
		if w.holds(runTime(recs, i, open)) {
			stabilized = max(stabilized, recs[i].Replicas)
		}
	}
	res := Result{Stabilized: stabilized, History: in.History}
	res.History.Recommendations = recordRecommendation(recs, in.Recommendation, in.Now, open, length)
	res.Stabilization = Step{Reason: ReasonReadyForNewScale, Message: MessageReadyForNewScale, Current: in.CurrentReplicas}
	if stabilized != in.Recommendation {
		res.Stabilization = Step{Reason: ReasonScaleDownStabilized, Message: MessageScaleDownStabilized, Applied: true,
			Bound: stabilized, Current: in.CurrentReplicas, WindowSeconds: int32(length / time.Second)}
	}

	scaleUpLimit := int32(math.Max(legacyScaleUpFactor*float64(in.CurrentReplicas), legacyScaleUpMinimum))
	maxAllowed := in.MaxReplicas
	maxStep := Step{Reason: ReasonTooManyReplicas, Message: MessageTooManyReplicas, Applied: true, Bound: in.MaxReplicas, Current: in.CurrentReplicas}
	if in.MaxReplicas > scaleUpLimit {
		maxAllowed = scaleUpLimit
		maxStep = Step{Reason: ReasonScaleUpLimit, Message: MessageScaleUpLimit, Applied: true, Bound: scaleUpLimit, Current: in.CurrentReplicas, Legacy: true}
	}
	switch {
	case stabilized < in.MinReplicas:
		res.Replicas = in.MinReplicas
		res.Limit = Step{Reason: ReasonTooFewReplicas, Message: MessageTooFewReplicas, Applied: true, Bound: in.MinReplicas, Current: in.CurrentReplicas}
	case stabilized > maxAllowed:
		res.Replicas = maxAllowed
		res.Limit = maxStep
	default:
		res.Replicas = stabilized
		res.Limit = Step{Reason: ReasonDesiredWithinRange, Message: MessageDesiredWithinRange, Bound: stabilized, Current: in.CurrentReplicas}
	}
	return res
}

func normalizeWithBehavior(in Input) Result {
	up := ScaleUpRules(in.Behavior.ScaleUp)
	down := ScaleDownRules(in.Behavior.ScaleDown, in.DownscaleStabilizationWindow)
	recs := in.History.Recommendations
	open := lastRecommended(recs, in.LastRecommendationTime, in.Now)

	// The lowest recommendation within the scale-up window bounds a scale-up, the highest
	// within the scale-down window bounds a scale-down.
	upWindow, downWindow := newWindow(in.Now, up.Window(), false), newWindow(in.Now, down.Window(), false)
	upBound, downBound := in.Recommendation, in.Recommendation
	for i := range recs {
		t := runTime(recs, i, open)
		if upWindow.holds(t) {
			upBound = min(upBound, recs[i].Replicas)
		}
		if downWindow.holds(t) {
			downBound = max(downBound, recs[i].Replicas)
		}
	}
	stabilized := min(max(in.CurrentReplicas, upBound), downBound)

	res := Result{Stabilized: stabilized, History: in.History}
	res.History.Recommendations = recordRecommendation(recs, in.Recommendation, in.Now, open, max(up.Window(), down.Window()))
	switch {
	case stabilized == in.Recommendation:
		res.Stabilization = Step{Reason: ReasonReadyForNewScale, Message: MessageReadyForNewScale, Current: in.CurrentReplicas}
	case in.Recommendation >= in.CurrentReplicas:
		res.Stabilization = Step{Reason: ReasonScaleUpStabilized, Message: MessageScaleUpStabilized, Applied: true,
			Bound: upBound, Current: in.CurrentReplicas, WindowSeconds: up.StabilizationWindowSeconds}
	default:
		res.Stabilization = Step{Reason: ReasonScaleDownStabilized, Message: MessageScaleDownStabilized, Applied: true,
			Bound: downBound, Current: in.CurrentReplicas, WindowSeconds: down.StabilizationWindowSeconds}
	}

	res.Replicas, res.Limit = rateLimit(in, stabilized, up, down)
	return res
}

// rateLimit bounds the stabilized recommendation by the direction's policies and by min/max.
// A count equal to the current one is left alone.
func rateLimit(in Input, desired int32, up, down Rules) (int32, Step) {
	current := in.CurrentReplicas
	switch {
	case desired > current:
		l := ScaleUpLimit(LimitInput{Now: in.Now, CurrentReplicas: current, History: in.History, Rules: up})
		// Events may have used up more than the policies allow; then hold, never go down.
		limitReplicas := max(l.Replicas, current)
		if in.MaxReplicas > limitReplicas {
			if desired > limitReplicas {
				return limitReplicas, Step{Reason: ReasonScaleUpLimit, Message: MessageScaleUpLimit, Applied: true,
					Bound: limitReplicas, Current: current, Limit: l, Rules: up}
			}
		} else if desired > in.MaxReplicas {
			return in.MaxReplicas, Step{Reason: ReasonTooManyReplicas, Message: MessageTooManyReplicas, Applied: true,
				Bound: in.MaxReplicas, Current: current}
		}
	case desired < current:
		l := ScaleDownLimit(LimitInput{Now: in.Now, CurrentReplicas: current, History: in.History, Rules: down})
		limitReplicas := min(l.Replicas, current)
		if in.MinReplicas < limitReplicas {
			if desired < limitReplicas {
				return limitReplicas, Step{Reason: ReasonScaleDownLimit, Message: MessageScaleDownLimit, Applied: true,
					Bound: limitReplicas, Current: current, Limit: l, Rules: down}
			}
		} else if desired < in.MinReplicas {
			return in.MinReplicas, Step{Reason: ReasonTooFewReplicas, Message: MessageTooFewReplicas, Applied: true,
				Bound: in.MinReplicas, Current: current}
		}
	}
	return desired, Step{Reason: ReasonDesiredWithinRange, Message: MessageDesiredWithinRange, Bound: desired, Current: current}
}
