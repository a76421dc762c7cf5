package decision

import v2 "github.com/mhpa-dev/mhpa/api/v2"

// SelectorError describes a problem with the scale target's pod selector, in upstream's words.
type SelectorError struct {
	// Event is the reason of the warning event (SelectorRequired, InvalidSelector,
	// AmbiguousSelector).
	Event string
	// Message is the event's message and the decision's error.
	Message string
	// Reason is the reason of the ScalingActive=False condition (InvalidSelector,
	// AmbiguousSelector).
	Reason string
	// ConditionMessage is the message of the ScalingActive=False condition.
	ConditionMessage string
}

// NeedsMetrics reports whether [Decide] computes metrics for in, that is whether the
// controller must gather the pods and metric values: not for a target at zero replicas that
// the autoscaler leaves alone, nor for one outside minReplicas..maxReplicas, which is brought
// within them without reading any metric. Only the scale and the spec of in are read.
func NeedsMetrics(in *Input) bool {
	spec := in.Spec
	minReplicas := minReplicasOf(spec)
	switch current := in.SpecReplicas; {
	case current == 0:
		// From zero only an autoscaler that scaled to zero itself scales up, and then only
		// when minReplicas was raised or an object or external metric says how far.
		return in.ScaledToZero && (minReplicas != 0 || hasObjectOrExternalMetric(spec))
	case current > spec.MaxReplicas, current < minReplicas:
		return false
	}
	return true
}

func minReplicasOf(spec *v2.HorizontalPodAutoscalerSpec) int32 {
	if spec.MinReplicas != nil {
		return *spec.MinReplicas
	}
	return 1
}
