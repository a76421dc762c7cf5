package v2

import (
	corev1 "k8s.io/api/core/v1"
)

// Defaulting, the same as upstream autoscaling/v2 (pkg/apis/autoscaling/v2/defaults.go of
// Kubernetes v1.36): minReplicas 1; 80% average CPU utilization (a PodResource metric) when no
// metric is given; and, only when spec.behavior is set, the unset parts of each direction's
// scaling rules. With no spec.behavior at all nothing is filled in: the controller then applies
// upstream's legacy limits (scale up to at most max(2 × current, 4) per sync; scale down through
// its --horizontal-pod-autoscaler-downscale-stabilization window).
//
// The CRD schema repeats the defaults it can express (minReplicas, the default metric when
// spec.metrics is absent, whole scaleUp and scaleDown rules when behavior is set but a direction
// is not, and selectPolicy) so that they agree with this function.

const (
	// DefaultMinReplicas is the minReplicas of an HPA that sets none.
	DefaultMinReplicas int32 = 1
	// DefaultCPUUtilization is the target average CPU utilization, in percent of the
	// requests, of an HPA that sets no metric.
	DefaultCPUUtilization int32 = 80

	// DefaultScaleUpStabilizationWindowSeconds is the scale-up stabilization window of a
	// behavior that sets none.
	DefaultScaleUpStabilizationWindowSeconds int32 = 0
	// DefaultScaleUpPods is the number of pods the default scale-up Pods policy adds per period.
	DefaultScaleUpPods int32 = 4
	// DefaultScaleUpPercent is the percentage of pods the default scale-up Percent policy adds
	// per period.
	DefaultScaleUpPercent int32 = 100
	// DefaultScaleUpPeriodSeconds is the period of the default scale-up policies.
	DefaultScaleUpPeriodSeconds int32 = 15
	// DefaultScaleDownPercent is the percentage of pods the default scale-down Percent policy
	// removes per period.
	DefaultScaleDownPercent int32 = 100
	// DefaultScaleDownPeriodSeconds is the period of the default scale-down policy.
	DefaultScaleDownPeriodSeconds int32 = 15
)

// SetDefaults_HorizontalPodAutoscaler fills in the defaults of an HPA, as upstream defaults an
// autoscaling/v2 HorizontalPodAutoscaler. It is named after upstream's function so that the
// defaulting webhook and readers familiar with upstream find it.
//
//nolint:revive,staticcheck // The name follows the upstream defaulter-gen convention.
func SetDefaults_HorizontalPodAutoscaler(obj *HorizontalPodAutoscaler) { //nolint:revive
	if obj.Spec.MinReplicas == nil {
		minReplicas := DefaultMinReplicas
		obj.Spec.MinReplicas = &minReplicas
	}
	if len(obj.Spec.Metrics) == 0 {
		utilization := DefaultCPUUtilization
		obj.Spec.Metrics = []MetricSpec{{
			Type: PodResourceMetricSourceType,
			PodResource: &ResourceMetricSource{
				Name:   corev1.ResourceCPU,
				Target: MetricTarget{Type: UtilizationMetricType, AverageUtilization: &utilization},
			},
		}}
	}
	SetDefaultsBehavior(obj)
}

// SetDefaultsBehavior fills in the unset parts of both directions' scaling rules when
// spec.behavior is set; it leaves an unset spec.behavior alone.
func SetDefaultsBehavior(obj *HorizontalPodAutoscaler) {
	if obj.Spec.Behavior == nil {
		return
	}
	obj.Spec.Behavior.ScaleUp = DefaultScaleUpRules(obj.Spec.Behavior.ScaleUp)
	obj.Spec.Behavior.ScaleDown = DefaultScaleDownRules(obj.Spec.Behavior.ScaleDown)
}

// DefaultScaleUpRules returns rules (or, when rules is nil, new rules) with every unset field
// filled in with the scale-up default: a stabilization window of 0 seconds, selectPolicy
// MaxChange, and the policies "4 pods per 15 s" and "100 percent per 15 s". The result has no
// nil pointer but the tolerance, which defaults to the controller's flag.
func DefaultScaleUpRules(rules *HPAScalingRules) *HPAScalingRules {
	window := DefaultScaleUpStabilizationWindowSeconds
	policy := MaxChangePolicySelect
	defaults := &HPAScalingRules{
		StabilizationWindowSeconds: &window,
		SelectPolicy:               &policy,
		Policies: []HPAScalingPolicy{
			{Type: PodsScalingPolicy, Value: DefaultScaleUpPods, PeriodSeconds: DefaultScaleUpPeriodSeconds},
			{Type: PercentScalingPolicy, Value: DefaultScaleUpPercent, PeriodSeconds: DefaultScaleUpPeriodSeconds},
		},
	}
	return mergeScalingRules(rules, defaults)
}

// DefaultScaleDownRules returns rules (or, when rules is nil, new rules) with every unset field
// filled in with the scale-down default: selectPolicy MaxChange and the policy "100 percent per
// 15 s". The stabilization window stays unset, so that the controller's
// --horizontal-pod-autoscaler-downscale-stabilization flag applies; the tolerance likewise
// defaults to the controller's flag.
func DefaultScaleDownRules(rules *HPAScalingRules) *HPAScalingRules {
	policy := MaxChangePolicySelect
	defaults := &HPAScalingRules{
		SelectPolicy: &policy,
		Policies: []HPAScalingPolicy{
			{Type: PercentScalingPolicy, Value: DefaultScaleDownPercent, PeriodSeconds: DefaultScaleDownPeriodSeconds},
		},
	}
	return mergeScalingRules(rules, defaults)
}

// mergeScalingRules sets on defaults every field that is set (not nil) in from and returns
// defaults. As upstream, an empty but non-nil list of policies counts as set (validation then
// rejects it).
func mergeScalingRules(from, defaults *HPAScalingRules) *HPAScalingRules {
	if from == nil {
		return defaults
	}
	if from.StabilizationWindowSeconds != nil {
		defaults.StabilizationWindowSeconds = from.StabilizationWindowSeconds
	}
	if from.SelectPolicy != nil {
		defaults.SelectPolicy = from.SelectPolicy
	}
	if from.Policies != nil {
		defaults.Policies = from.Policies
	}
	if from.Tolerance != nil {
		defaults.Tolerance = from.Tolerance
	}
	return defaults
}
