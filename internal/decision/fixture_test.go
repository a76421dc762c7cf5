package decision

import (
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// The fixtures below rebuild the world of upstream's HPA controller tests
// (horizontal_test.go): pods test-pod-<i> with two containers that each request half of the
// pod's CPU request (1 CPU unless the case says), running and ready unless told otherwise,
// resource values split evenly over the two containers and measured now over a minute, and
// upstream's test settings: 10% tolerance, 2-minute CPU initialization period, 10-second
// initial readiness delay, 5-minute downscale stabilization window. Upstream's tests raise the
// legacy scale-up factor to 8 so as not to hit it; no case below depends on the factor.

var (
	now     = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	hot     = now
	cool    = now.Add(-3 * time.Minute)
	longAgo = now.Add(-time.Hour)

	testConfig = Config{
		Tolerance:                    0.1,
		DownscaleStabilizationWindow: 5 * time.Minute,
		Readiness:                    replicas.Readiness{CPUInitializationPeriod: 2 * time.Minute, InitialReadinessDelay: 10 * time.Second},
	}

	errSomethingWrong = errors.New("something went wrong")
)

// ctrlCase describes one reconcile of upstream's controller tests.
type ctrlCase struct {
	min, max                     int32
	specReplicas, statusReplicas int32
	// cpuTarget adds a podResource cpu metric with that utilization target first.
	cpuTarget int32
	metrics   []v2.MetricSpec
	up, down  *v2.HPAScalingRules
	// levels are the reported values: per pod for pod metrics, levels[0] for object metrics,
	// all of them for external metrics.
	levels []int64
	// requests are the pods' CPU requests in millicores; nil gives statusReplicas pods of
	// 1 CPU, an empty list no pods.
	requests  []int64
	readiness []corev1.ConditionStatus
	start     []time.Time
	phase     []corev1.PodPhase
	deleting  []bool
	// fetchErr makes fetching metric i fail.
	fetchErr map[int]error
	// history is the persisted history; the zero value is a first sight of the autoscaler.
	history behavior.History
	// lastRecommendation is when the history's open run was last recommended; zero for
	// unknown.
	lastRecommendation time.Time
	scaledToZero       bool
}

func (tc ctrlCase) spec() *v2.HorizontalPodAutoscalerSpec {
	s := &v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference{Kind: "ReplicationController", Name: "test-rc", APIVersion: "v1"},
		MinReplicas:    ptr.To(tc.min),
		MaxReplicas:    tc.max,
	}
	if tc.up != nil || tc.down != nil {
		s.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleUp: tc.up, ScaleDown: tc.down}
	}
	if tc.cpuTarget > 0 {
		s.Metrics = append(s.Metrics, cpuUtilization(tc.cpuTarget))
	}
	s.Metrics = append(s.Metrics, tc.metrics...)
	return s
}

func (tc ctrlCase) pods() []replicas.Pod {
	n := int(tc.statusReplicas)
	if tc.requests != nil {
		n = len(tc.requests)
	}
	out := make([]replicas.Pod, n)
	for i := range out {
		req := int64(1000)
		if tc.requests != nil {
			req = tc.requests[i]
		}
		p := replicas.Pod{Name: podName(i), Phase: corev1.PodRunning, Ready: corev1.ConditionTrue, StartTime: longAgo}
		if tc.readiness != nil {
			p.Ready = tc.readiness[i]
		}
		if tc.start != nil {
			p.StartTime = tc.start[i]
		}
		p.ReadyTransition = p.StartTime
		if tc.phase != nil {
			p.Phase = tc.phase[i]
		}
		if tc.deleting != nil {
			p.Deleting = tc.deleting[i]
		}
		half := []replicas.ResourceAmount{{Name: corev1.ResourceCPU, MilliValue: req / 2}}
		p.Containers = []replicas.Container{{Name: "container1", Requests: half}, {Name: "container2", Requests: half}}
		out[i] = p
	}
	return out
}

func (tc ctrlCase) metricData(spec *v2.HorizontalPodAutoscalerSpec) []MetricData {
	out := make([]MetricData, len(spec.Metrics))
	for i, m := range spec.Metrics {
		d := &out[i]
		if err := tc.fetchErr[i]; err != nil {
			d.Err = err
			continue
		}
		switch m.Type {
		case v2.PodResourceMetricSourceType, v2.ContainerResourceMetricSourceType:
			if len(tc.levels) == 0 {
				d.Err = errors.New("no metrics returned from resource metrics API")
			}
			for j, l := range tc.levels {
				v := 2 * (l / 2)
				if m.Type == v2.ContainerResourceMetricSourceType {
					v = l / 2
				}
				d.PodMetrics = append(d.PodMetrics, replicas.PodMetric{Pod: podName(j), MilliValue: v, Timestamp: now, Window: time.Minute})
			}
		case v2.PodsMetricSourceType:
			for j, l := range tc.levels {
				d.PodMetrics = append(d.PodMetrics, replicas.PodMetric{Pod: podName(j), MilliValue: l, Timestamp: now, Window: time.Minute})
			}
		case v2.ObjectMetricSourceType:
			d.Value = tc.levels[0]
		case v2.ExternalMetricSourceType:
			d.Values = tc.levels
		}
	}
	return out
}

func (tc ctrlCase) input() Input {
	spec := tc.spec()
	return Input{
		Now:                 now,
		Config:              testConfig,
		Spec:                spec,
		SpecReplicas:        tc.specReplicas,
		StatusReplicas:      tc.statusReplicas,
		ScaledToZero:        tc.scaledToZero,
		LastDesiredReplicas: tc.specReplicas,
		Pods:                tc.pods(),
		Metrics:             tc.metricData(spec),
		History:             tc.history,
		// The open run of the history was last recommended at lastRecommendation.
		LastRecommendationTime: tc.lastRecommendation,
	}
}

func podName(i int) string { return fmt.Sprintf("test-pod-%d", i) }

// seen is the history of an autoscaler whose metrics have recommended n for an hour: it
// stands for upstream's tests that start with an empty (but present) recommendation log, in
// which no earlier recommendation holds back a scale-down.
func seen(n int32) behavior.History {
	return behavior.History{Recommendations: []v2.TimedReplicas{{Time: metav1.NewTime(now.Add(-time.Hour)), Replicas: n}}}
}

func cpuUtilization(target int32) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To(target)}}}
}

func containerCPU(container string, target int32) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ContainerResourceMetricSourceType, ContainerResource: &v2.ContainerResourceMetricSource{
		Name: corev1.ResourceCPU, Container: container, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To(target)}}}
}

func podsQPS(average string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: "qps"},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(average))}}}
}

func objectQPS(value string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricSource{
		DescribedObject: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "some-deployment"},
		Metric:          v2.MetricIdentifier{Name: "qps"},
		Target:          v2.MetricTarget{Type: v2.ValueMetricType, Value: ptr.To(resource.MustParse(value))}}}
}

func objectQPSPerPod(average string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricSource{
		DescribedObject: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "some-deployment"},
		Metric:          v2.MetricIdentifier{Name: "qps"},
		Target:          v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(average))}}}
}

func externalQPS(milli int64) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric: v2.MetricIdentifier{Name: "qps", Selector: &metav1.LabelSelector{}},
		Target: v2.MetricTarget{Type: v2.ValueMetricType, Value: resource.NewMilliQuantity(milli, resource.DecimalSI)}}}
}

func externalQPSPerPod(milli int64) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric: v2.MetricIdentifier{Name: "qps", Selector: &metav1.LabelSelector{}},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: resource.NewMilliQuantity(milli, resource.DecimalSI)}}}
}

func cheddar() v2.MetricSpec { return v2.MetricSpec{Type: "CheddarCheese"} }

func shadow(m v2.MetricSpec) v2.MetricSpec {
	m.Shadow = true
	return m
}

func conds(s ...corev1.ConditionStatus) []corev1.ConditionStatus { return s }
func tm(ts ...time.Time) []time.Time                             { return ts }
func phases(p ...corev1.PodPhase) []corev1.PodPhase              { return p }
func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

const (
	T = corev1.ConditionTrue
	F = corev1.ConditionFalse
)

// cond is a condition as upstream's tests compare them: type, status and reason.
type cond struct {
	Type   v2.HorizontalPodAutoscalerConditionType
	Status corev1.ConditionStatus
	Reason string
}

func project(list []v2.HorizontalPodAutoscalerCondition) []cond {
	out := make([]cond, len(list))
	for i, c := range list {
		out[i] = cond{c.Type, c.Status, c.Reason}
	}
	return out
}

// statusOK is upstream's statusOk with overrides, plus ScaledToZero=False (NotScaledToZero),
// which upstream sets on every rescale with scale to zero enabled, as it always is in mhpa.
func statusOK(overrides ...cond) []cond {
	base := []cond{
		{v2.AbleToScale, T, ReasonSucceededRescale},
		{v2.ScalingActive, T, ReasonValidMetricFound},
		{v2.ScalingLimited, F, "DesiredWithinRange"},
		{v2.ScaledToZero, F, ReasonNotScaledToZero},
	}
	return override(base, overrides)
}

// statusNoScale is upstream's statusOk for a reconcile that does not rescale.
func statusNoScale(overrides ...cond) []cond {
	base := []cond{
		{v2.AbleToScale, T, "ReadyForNewScale"},
		{v2.ScalingActive, T, ReasonValidMetricFound},
		{v2.ScalingLimited, F, "DesiredWithinRange"},
	}
	return override(base, overrides)
}

func override(base, overrides []cond) []cond {
	for _, o := range overrides {
		found := false
		for i := range base {
			if base[i].Type == o.Type {
				base[i], found = o, true
			}
		}
		if !found {
			base = append(base, o)
		}
	}
	return base
}

func failedGet(reason string) []cond {
	return []cond{{v2.AbleToScale, T, ReasonSucceededGetScale}, {v2.ScalingActive, F, reason}}
}
