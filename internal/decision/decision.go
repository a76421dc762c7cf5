package decision

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// Condition reasons and messages a decision sets, as upstream sets them (stabilization and
// limit reasons are in package behavior).
const (
	ReasonSucceededGetScale                = "SucceededGetScale"
	ReasonSucceededRescale                 = "SucceededRescale"
	ReasonFailedUpdateScale                = "FailedUpdateScale"
	ReasonValidMetricFound                 = "ValidMetricFound"
	ReasonScalingDisabled                  = "ScalingDisabled"
	ReasonFailedGetResourceMetric          = "FailedGetResourceMetric"
	ReasonFailedGetContainerResourceMetric = "FailedGetContainerResourceMetric"
	ReasonFailedGetPodsMetric              = "FailedGetPodsMetric"
	ReasonFailedGetObjectMetric            = "FailedGetObjectMetric"
	ReasonFailedGetExternalMetric          = "FailedGetExternalMetric"
	ReasonInvalidMetricSourceType          = "InvalidMetricSourceType"
	// ReasonNoDrivingMetric is mhpa's own: every metric of the autoscaler is a shadow
	// metric (or it has none), so none can drive the replica count.
	ReasonNoDrivingMetric = "NoDrivingMetric"
	ReasonScaledToZero    = "ScaledToZero"
	ReasonNotScaledToZero = "NotScaledToZero"

	MessageSucceededGetScale = "the HPA controller was able to get the target's current scale"
	MessageScalingDisabled   = "scaling is disabled since the replica count of the target is zero"
	MessageScaledToZero      = "the HPA controller scaled the workload to zero"
	MessageNotScaledToZero   = "the HPA controller did not scale the workload to zero"
)

// Event reasons of a decision, as upstream emits them.
const (
	EventSuccessfulRescale            = "SuccessfulRescale"
	EventFailedRescale                = "FailedRescale"
	EventFailedComputeMetricsReplicas = "FailedComputeMetricsReplicas"
)

// rescaleWhy says why a target is rescaled; its words are built only for a rescale.
type rescaleWhy uint8

const (
	whyNone rescaleWhy = iota
	whyAboveTarget
	whyBelowTarget
	whyAboveMax
	whyBelowMin
)

// rescaleReason words why the target is rescaled, as upstream's rescale events do.
func (d *Decision) rescaleReason(why rescaleWhy) string {
	switch why {
	case whyAboveTarget:
		return d.Metrics[d.Selected].describe("") + " above target"
	case whyBelowTarget:
		return "All metrics below target"
	case whyAboveMax:
		return "Current number of replicas above Spec.MaxReplicas"
	case whyBelowMin:
		return "Current number of replicas below Spec.MinReplicas"
	}
	return ""
}

// Config holds the controller-wide settings (kube-controller-manager's
// --horizontal-pod-autoscaler-* flags).
type Config struct {
	// Tolerance is the cluster-wide tolerance, overridden per direction by a behavior's
	// tolerance.
	Tolerance float64
	// DownscaleStabilizationWindow is the scale-down stabilization window of autoscalers that
	// set none.
	DownscaleStabilizationWindow time.Duration
	// Readiness holds the CPU start-up rules.
	Readiness replicas.Readiness
}

// DefaultConfig returns kube-controller-manager's defaults.
func DefaultConfig() Config {
	return Config{
		Tolerance:                    replicas.DefaultTolerance,
		DownscaleStabilizationWindow: behavior.DefaultDownscaleStabilizationWindow,
		Readiness:                    replicas.DefaultReadiness(),
	}
}

// MetricData is what the controller gathered for one metric of spec.metrics.
type MetricData struct {
	// Err is why the metric could not be fetched (including an invalid metric selector); nil
	// when it was.
	Err error
	// PodMetrics are the per-pod values of a podResource, containerResource or pods metric.
	PodMetrics []replicas.PodMetric
	// Value is the value of an object metric, in milli-units.
	Value int64
	// Values are the values of an external metric's series, in milli-units.
	Values []int64
}

// Input is everything one decision looks at.
type Input struct {
	// Now is the time of the decision.
	Now time.Time
	// Config holds the controller-wide settings.
	Config Config
	// Spec is the autoscaler's spec (with API defaults applied). It is only read.
	Spec *v2.HorizontalPodAutoscalerSpec
	// SpecReplicas is the scale target's spec.replicas: the current replica count.
	SpecReplicas int32
	// StatusReplicas is the scale target's status.replicas.
	StatusReplicas int32
	// ScaledToZero is true when the autoscaler's ScaledToZero condition is True: it scaled the
	// target to zero itself, and may scale it up from there.
	ScaledToZero bool
	// LastDesiredReplicas is the autoscaler's status.desiredReplicas before this decision; it
	// is kept when no new count can be decided.
	LastDesiredReplicas int32
	// Pods are the pods the scale target's selector matches.
	Pods []replicas.Pod
	// Metrics holds the gathered data of each metric, in the order of Spec.Metrics.
	Metrics []MetricData
	// History holds the past recommendations and scale events.
	History behavior.History
	// LastRecommendationTime is the previous decision's [Decision.LastRecommendationTime]:
	// when the count of the history's open run was last recommended. The controller keeps it
	// in memory (it changes at every decision, so persisting it would write the status every
	// sync). Zero when unknown, for example after a restart; the open run is then taken to
	// have been recommended until now, which keeps a superseded count in the stabilization
	// windows at least as long as upstream would (see package behavior).
	LastRecommendationTime time.Time
	// SelectorError, when set, is why the scale target's pod selector cannot be used (missing,
	// unparsable, or shared with another autoscaler): no metric is computed and the decision
	// reports it as upstream does. The controller sets it only when [NeedsMetrics] is true.
	SelectorError *SelectorError
}

// Condition is a condition the decision sets on the autoscaler.
type Condition struct {
	// Type is the condition type.
	Type v2.HorizontalPodAutoscalerConditionType
	// Status is the condition status.
	Status corev1.ConditionStatus
	// Reason is the condition reason.
	Reason string
	// Message is the condition message.
	Message string
}

// Event is an event the decision asks the controller to emit on the autoscaler.
type Event struct {
	// Type is corev1.EventTypeNormal or corev1.EventTypeWarning.
	Type string
	// Reason is the event reason.
	Reason string
	// Message is the event message.
	Message string
}

// Decision is the outcome of [Decide] and its reasons.
type Decision struct {
	// CurrentReplicas is the replica count the decision started from.
	CurrentReplicas int32
	// DesiredReplicas is the count for status.desiredReplicas: the new count when Scale is
	// true, otherwise the current count (or, when no count could be computed, the previous
	// status.desiredReplicas).
	DesiredReplicas int32
	// Scale is true when the target's scale must be updated to DesiredReplicas.
	Scale bool
	// RescaleReason says why the target is rescaled, for the rescale event.
	RescaleReason string
	// Metrics holds each metric's outcome, in the order of spec.metrics; empty when no metric
	// was computed (target at zero, or outside minReplicas..maxReplicas).
	Metrics []MetricResult
	// Selected is the index of the metric whose proposal won, or -1.
	Selected int
	// Recommended is true when the metrics produced a recommendation.
	Recommended bool
	// Recommendation is the largest proposal of the driving metrics, before stabilization,
	// rate limits and min/max.
	Recommendation int32
	// Stabilized is the recommendation after the stabilization windows.
	Stabilized int32
	// Stabilization says whether a stabilization window changed the recommendation.
	Stabilization behavior.Step
	// Limit says whether a limit (policies, min/max, the legacy scale-up limit) or the state
	// of the target decided the count.
	Limit behavior.Step
	// Conditions are the conditions to set, in the order upstream first sets them.
	Conditions []Condition
	// Events are the events to emit.
	Events []Event
	// Err is the error to report for this decision: some or all metrics failed. When all
	// driving metrics failed (or a failure would allow a scale-down) nothing is scaled.
	Err error
	// History is the history to persist: the recommendation recorded and, when Scale is true,
	// the scale event (see [Decision.ScaleFailed] when the update fails).
	History behavior.History
	// LastRecommendationTime is when the count of History's open run was last recommended:
	// the decision's time when it recorded a recommendation (from the metrics, or the current
	// count of an autoscaler seen for the first time), otherwise the input's. Pass it as the
	// next decision's [Input.LastRecommendationTime].
	LastRecommendationTime time.Time

	lastDesired   int32
	unscaledHist  behavior.History
	stateDecision bool
}

// Decide makes one scaling decision.
func Decide(in Input) Decision {
	spec := in.Spec
	current := in.SpecReplicas
	d := Decision{CurrentReplicas: current, Selected: -1, lastDesired: in.LastDesiredReplicas}
	d.Conditions = make([]Condition, 0, 4)
	d.setCondition(v2.AbleToScale, corev1.ConditionTrue, ReasonSucceededGetScale, MessageSucceededGetScale)
	// Upstream records the current count as a recommendation when it first sees an
	// autoscaler, before anything else.
	lastRecommended := in.LastRecommendationTime
	if len(in.History.Recommendations) == 0 {
		lastRecommended = in.Now
	}
	hist := in.History.WithInitialRecommendation(current, in.Now)
	d.LastRecommendationTime = lastRecommended

	minReplicas := minReplicasOf(spec)
	objectOrExternal := hasObjectOrExternalMetric(spec)

	desired := int32(0)
	var why rescaleWhy
	switch {
	case current == 0:
		// From zero only an autoscaler that scaled to zero itself scales up, and then only
		// when minReplicas was raised or an object or external metric says how far.
		if !NeedsMetrics(&in) {
			// Someone else scaled the target to zero: the autoscaler stays out of the way.
			d.setCondition(v2.ScalingActive, corev1.ConditionFalse, ReasonScalingDisabled, MessageScalingDisabled)
			d.Limit = behavior.Step{Reason: ReasonScalingDisabled, Message: MessageScalingDisabled, Applied: true}
			d.DesiredReplicas, d.History, d.unscaledHist, d.stateDecision = 0, hist, hist, true
			return d
		}
	case current > spec.MaxReplicas:
		desired = spec.MaxReplicas
		why, d.stateDecision = whyAboveMax, true
		d.Limit = behavior.Step{Reason: behavior.ReasonTooManyReplicas, Message: behavior.MessageTooManyReplicas, Applied: true,
			Bound: spec.MaxReplicas, Current: current}
	case current < minReplicas:
		desired = minReplicas
		why, d.stateDecision = whyBelowMin, true
		d.Limit = behavior.Step{Reason: behavior.ReasonTooFewReplicas, Message: behavior.MessageTooFewReplicas, Applied: true,
			Bound: minReplicas, Current: current}
	}
	if !d.stateDecision {
		if !d.computeMetrics(&in) {
			d.DesiredReplicas, d.History, d.unscaledHist = in.LastDesiredReplicas, hist, hist
			return d
		}
		desired = max(desired, d.Recommendation)
		switch {
		case desired > current:
			why = whyAboveTarget
		case desired < current:
			why = whyBelowTarget
		}
		norm := behavior.Normalize(behavior.Input{
			Now:                          in.Now,
			CurrentReplicas:              current,
			Recommendation:               desired,
			MinReplicas:                  minReplicas,
			MaxReplicas:                  spec.MaxReplicas,
			Behavior:                     spec.Behavior,
			DownscaleStabilizationWindow: in.Config.DownscaleStabilizationWindow,
			History:                      hist,
			LastRecommendationTime:       lastRecommended,
		})
		hist, d.LastRecommendationTime = norm.History, in.Now
		desired, d.Stabilized, d.Stabilization, d.Limit = norm.Replicas, norm.Stabilized, norm.Stabilization, norm.Limit
		d.setCondition(v2.AbleToScale, corev1.ConditionTrue, norm.Stabilization.Reason, norm.Stabilization.Message)
		limited := corev1.ConditionFalse
		if norm.Limited() {
			limited = corev1.ConditionTrue
		}
		d.setCondition(v2.ScalingLimited, limited, norm.Limit.Reason, norm.Limit.Message)
		// Scaling up from zero after minReplicas was raised goes at least to minReplicas.
		if current == 0 && minReplicas != 0 && in.ScaledToZero && desired < minReplicas {
			desired = minReplicas
			d.Limit = behavior.Step{Reason: behavior.ReasonTooFewReplicas, Message: behavior.MessageTooFewReplicas, Applied: true,
				Bound: minReplicas, Current: current}
			if why == whyNone {
				why = whyBelowMin
			}
		}
	}

	d.unscaledHist = hist
	if desired == current {
		d.DesiredReplicas, d.History = current, hist
		return d
	}
	d.Scale, d.DesiredReplicas = true, desired
	d.RescaleReason = d.rescaleReason(why)
	d.setCondition(v2.AbleToScale, corev1.ConditionTrue, ReasonSucceededRescale,
		"the HPA controller was able to update the target scale to "+strconv.Itoa(int(desired)))
	d.Events = append(d.Events, Event{Type: corev1.EventTypeNormal, Reason: EventSuccessfulRescale,
		Message: fmt.Sprintf("New size: %d; reason: %s", desired, d.RescaleReason)})
	if current > 0 && desired == 0 && minReplicas == 0 && objectOrExternal {
		d.setCondition(v2.ScaledToZero, corev1.ConditionTrue, ReasonScaledToZero, MessageScaledToZero)
	} else {
		d.setCondition(v2.ScaledToZero, corev1.ConditionFalse, ReasonNotScaledToZero, MessageNotScaledToZero)
	}
	d.History = hist.WithScale(behavior.ScaleRecord{Now: in.Now, From: current, To: desired, Behavior: spec.Behavior})
	return d
}

// computeMetrics computes every metric's proposal and picks the largest among the driving
// (non-shadow) ones. It returns false when no count can be decided: every driving metric
// failed, or some failed and the others would scale down.
func (d *Decision) computeMetrics(in *Input) bool {
	spec := in.Spec
	if e := in.SelectorError; e != nil {
		// Upstream checks the selector before any metric and, when it fails, reports the
		// selector's problem instead of metrics.
		d.Err = errors.New(e.Message)
		d.setCondition(v2.ScalingActive, corev1.ConditionFalse, e.Reason, e.ConditionMessage)
		d.Events = append(d.Events,
			Event{Type: corev1.EventTypeWarning, Reason: e.Event, Message: e.Message},
			Event{Type: corev1.EventTypeWarning, Reason: EventFailedComputeMetricsReplicas, Message: e.Message})
		d.Limit = behavior.Step{Reason: e.Reason, Message: e.ConditionMessage, Applied: true, Current: in.SpecReplicas}
		return false
	}
	tol := tolerances(spec.Behavior, in.Config.Tolerance)
	d.Metrics = make([]MetricResult, len(spec.Metrics))
	driving, invalid, firstInvalid := 0, 0, -1
	var recommendation int32
	for i := range spec.Metrics {
		var data *MetricData
		if i < len(in.Metrics) {
			data = &in.Metrics[i]
		}
		m := computeMetric(in, i, data, tol)
		d.Metrics[i] = m
		if m.Err != nil {
			msg := m.Err.Error()
			if m.Shadow {
				// The same reason as for a driving metric, but said to be a shadow metric's, so
				// that it is not mistaken for a failure that keeps the target from scaling.
				msg = fmt.Sprintf("shadow metric %s (spec.metrics[%d], never drives scaling): %s", m.Name(), i, msg)
			}
			d.Events = append(d.Events, Event{Type: corev1.EventTypeWarning, Reason: m.Reason, Message: msg})
		}
		if m.Shadow {
			continue
		}
		driving++
		if m.Err != nil {
			if invalid == 0 {
				firstInvalid = i
			}
			invalid++
			continue
		}
		// As upstream: the first proposal is taken even when it is 0, and a later one wins
		// only when larger (or while the largest so far is 0).
		if recommendation == 0 || m.Result.Replicas > recommendation {
			recommendation, d.Selected = m.Result.Replicas, i
		}
	}
	if driving == 0 {
		d.Err = errors.New("no metric drives scaling: every metric in spec.metrics is a shadow metric")
		d.setCondition(v2.ScalingActive, corev1.ConditionFalse, ReasonNoDrivingMetric,
			"the HPA was unable to compute the replica count: "+d.Err.Error())
		d.Events = append(d.Events, Event{Type: corev1.EventTypeWarning, Reason: EventFailedComputeMetricsReplicas, Message: d.Err.Error()})
		d.Limit = behavior.Step{Reason: ReasonNoDrivingMetric, Message: d.Err.Error(), Applied: true, Current: in.SpecReplicas}
		d.Selected = -1
		return false
	}
	if invalid > 0 {
		d.Err = fmt.Errorf("invalid metrics (%d invalid out of %d), first error is: %w", invalid, driving, d.Metrics[firstInvalid].fullError())
	}
	if invalid >= driving || (invalid > 0 && recommendation < in.SpecReplicas) {
		first := &d.Metrics[firstInvalid]
		d.setCondition(v2.ScalingActive, corev1.ConditionFalse, first.Reason,
			"the HPA was unable to compute the replica count: "+first.Err.Error())
		d.Events = append(d.Events, Event{Type: corev1.EventTypeWarning, Reason: EventFailedComputeMetricsReplicas, Message: d.Err.Error()})
		d.Limit = behavior.Step{Reason: first.Reason, Message: first.Err.Error(), Applied: true, Current: in.SpecReplicas}
		if invalid < driving {
			d.Limit.Message = fmt.Sprintf("%d of %d metrics failed and the others propose scaling down to %d: no scale-down while a metric fails", invalid, driving, recommendation)
		}
		d.Selected = -1
		return false
	}
	d.Recommended, d.Recommendation = true, recommendation
	d.setCondition(v2.ScalingActive, corev1.ConditionTrue, ReasonValidMetricFound,
		d.Metrics[d.Selected].describe("the HPA was able to successfully calculate a replica count from "))
	return true
}

// setCondition sets a condition, in place when the type is already set, else appended.
func (d *Decision) setCondition(t v2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason, message string) {
	c := Condition{Type: t, Status: status, Reason: reason, Message: message}
	for i := range d.Conditions {
		if d.Conditions[i].Type == t {
			d.Conditions[i] = c
			return
		}
	}
	d.Conditions = append(d.Conditions, c)
}

// ScaleFailed returns the decision as it stands when updating the target's scale failed with
// err: AbleToScale false (FailedUpdateScale), a FailedRescale event instead of
// SuccessfulRescale, the ScaledToZero condition left alone, no scale event in the history, and
// status.desiredReplicas kept at its previous value.
func (d Decision) ScaleFailed(err error) Decision {
	if !d.Scale {
		return d
	}
	out := d
	out.Scale = false
	out.DesiredReplicas = d.lastDesired
	out.History = d.unscaledHist
	out.Err = fmt.Errorf("failed to rescale to %d replicas: %w", d.DesiredReplicas, err)
	out.Conditions = make([]Condition, 0, len(d.Conditions))
	for _, c := range d.Conditions {
		switch c.Type {
		case v2.ScaledToZero:
			continue
		case v2.AbleToScale:
			c = Condition{Type: v2.AbleToScale, Status: corev1.ConditionFalse, Reason: ReasonFailedUpdateScale,
				Message: "the HPA controller was unable to update the target scale: " + err.Error()}
		}
		out.Conditions = append(out.Conditions, c)
	}
	out.Events = make([]Event, 0, len(d.Events))
	for _, e := range d.Events {
		if e.Reason == EventSuccessfulRescale {
			e = Event{Type: corev1.EventTypeWarning, Reason: EventFailedRescale,
				Message: fmt.Sprintf("New size: %d; reason: %s; error: %v", d.DesiredReplicas, d.RescaleReason, err)}
		}
		out.Events = append(out.Events, e)
	}
	return out
}

// hasObjectOrExternalMetric reports whether a driving object or external metric is set: only
// those can tell how many replicas a target at zero needs.
func hasObjectOrExternalMetric(spec *v2.HorizontalPodAutoscalerSpec) bool {
	for i := range spec.Metrics {
		m := &spec.Metrics[i]
		if !m.Shadow && (m.Type == v2.ObjectMetricSourceType || m.Type == v2.ExternalMetricSourceType) {
			return true
		}
	}
	return false
}

// tolerances are the cluster-wide tolerance, overridden per direction by the behavior.
func tolerances(b *v2.HorizontalPodAutoscalerBehavior, global float64) replicas.Tolerances {
	t := replicas.Uniform(global)
	if b == nil {
		return t
	}
	if b.ScaleDown != nil && b.ScaleDown.Tolerance != nil {
		t.ScaleDown = b.ScaleDown.Tolerance.AsApproximateFloat64()
	}
	if b.ScaleUp != nil && b.ScaleUp.Tolerance != nil {
		t.ScaleUp = b.ScaleUp.Tolerance.AsApproximateFloat64()
	}
	return t
}
