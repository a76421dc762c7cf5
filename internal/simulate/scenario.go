package simulate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
)

// LoadModel says how a trace's values become the values the metrics report.
type LoadModel string

const (
	// LoadShared takes a trace value as the total demand, shared by the ready pods: a per-pod
	// metric (podResource, containerResource, pods) reports demand/ready on each ready pod, an
	// object or external metric with a Value target reports demand/ready (the value the
	// target is set for falls as pods are added), and one with an AverageValue target reports
	// the demand itself (a total, which the autoscaler divides by the replicas itself).
	LoadShared LoadModel = "shared"
	// LoadFixed takes a trace value as what the metric reports, whatever the number of pods:
	// the value of each ready pod for a per-pod metric, the metric's value for an object or
	// external metric.
	LoadFixed LoadModel = "fixed"
)

// Model describes the workload the autoscaler scales: how its pods start and how load
// reaches them.
type Model struct {
	// Load says how trace values become metric values.
	Load LoadModel
	// MetricLoad overrides Load for single metrics, keyed by a name of the metric as a trace
	// names it (see [Bind]).
	MetricLoad map[string]LoadModel
	// PendingTime is how long a new pod is Pending (scheduling, pulling images) before it
	// runs. A pending pod reports no metrics.
	PendingTime time.Duration
	// StartupDelay is how long a running pod takes to become ready. Until then it gets no
	// share of the demand and reports StartupUsage.
	StartupDelay time.Duration
	// StartupUsage is what a running pod that is not ready yet reports, as a fraction of a
	// ready pod's value (for example 1.5 for a JVM that burns CPU while it warms up).
	StartupUsage float64
	// MetricWindow is the window a per-pod sample covers (metrics-server reports its scrape
	// window). Samples are taken at each sync; a CPU sample counts only once the pod has been
	// ready a whole window (see replicas.Readiness).
	MetricWindow time.Duration
	// Requests are the resource requests of each container of a pod, which utilization
	// targets are relative to.
	Requests corev1.ResourceList
}

// DefaultModel returns the default workload: load shared by ready pods, pods ready 30 s
// after they start, 15 s metric windows, and containers requesting 1 CPU and 1Gi of memory.
func DefaultModel() Model {
	return Model{
		Load:         LoadShared,
		StartupDelay: 30 * time.Second,
		MetricWindow: 15 * time.Second,
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("1"),
			corev1.ResourceMemory: resource.MustParse("1Gi"),
		},
	}
}

// Scenario is everything one simulation run needs.
type Scenario struct {
	// Name names the run in outputs, for example the manifest's file name.
	Name string
	// Source says where the autoscaler came from, for example "hpa.yaml, autoscaling/v2".
	Source string
	// HPA is the autoscaler, in autoscaling.mhpa.dev/v2 with defaults applied.
	HPA *v2.HorizontalPodAutoscaler
	// Trace is the load.
	Trace *Trace
	// Model is the workload.
	Model Model
	// Config holds the controller-wide settings.
	Config decision.Config
	// SyncPeriod is the time between two decisions.
	SyncPeriod time.Duration
	// InitialReplicas is the replica count at the start; its pods have long been ready.
	InitialReplicas int32
	// Duration is how long to simulate; 0 simulates until the trace's last sample.
	Duration time.Duration
	// Start is the simulated wall-clock time at the start.
	Start time.Time
}

// DefaultStart is the simulated wall-clock time a run starts at, unless set: a fixed time, so
// that runs are reproducible.
var DefaultStart = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// MetricInfo describes one metric of the autoscaler for the simulation's outputs.
type MetricInfo struct {
	// Index is the metric's index in spec.metrics.
	Index int
	// Name is the metric's name, as status.lastDecision names it: "podResource/cpu",
	// "pods/qps", "external/queue", ...
	Name string
	// Short is the name of the resource or metric: "cpu", "qps", "queue", ...; made unique
	// among the autoscaler's metrics by appending "#<index>" where needed.
	Short string
	// Spec is the metric's entry in spec.metrics.
	Spec *v2.MetricSpec
	// Target says what the metric's value is compared with.
	Target decision.TargetKind
	// PerPod is true for per-pod metrics (podResource, containerResource, pods).
	PerPod bool
	// Resource is the resource of a podResource or containerResource metric.
	Resource corev1.ResourceName
	// TargetValue is the target in the unit the metric is plotted in: percent for a
	// utilization target, the metric's unit otherwise.
	TargetValue float64
	// Unit is the unit of the metric's demand, for labels: "cores", "bytes" or "".
	Unit string
}

// Label is how the metric is plotted and printed: what is compared with the target, and in
// which unit.
func (m *MetricInfo) Label() string {
	switch m.Target {
	case decision.TargetUtilization:
		return m.Short + " utilization (% of request)"
	case decision.TargetAverageValue:
		if m.Unit != "" {
			return m.Short + " per pod (" + m.Unit + ")"
		}
		return m.Short + " per pod"
	}
	if m.Unit != "" {
		return m.Short + " (" + m.Unit + ")"
	}
	return m.Short
}

// Metrics describes the metrics of an autoscaler's spec.
func Metrics(spec *v2.HorizontalPodAutoscalerSpec) []MetricInfo {
	out := make([]MetricInfo, len(spec.Metrics))
	count := map[string]int{}
	for i := range spec.Metrics {
		m := &spec.Metrics[i]
		info := MetricInfo{Index: i, Spec: m}
		r := decision.MetricResult{Spec: m}
		info.Name = r.Name()
		var target *v2.MetricTarget
		switch {
		case m.Type == v2.PodResourceMetricSourceType && m.PodResource != nil:
			info.Short, info.Resource, info.PerPod, target = string(m.PodResource.Name), m.PodResource.Name, true, &m.PodResource.Target
		case m.Type == v2.ContainerResourceMetricSourceType && m.ContainerResource != nil:
			info.Short, info.Resource, info.PerPod, target = string(m.ContainerResource.Name), m.ContainerResource.Name, true, &m.ContainerResource.Target
		case m.Type == v2.PodsMetricSourceType && m.Pods != nil:
			info.Short, info.PerPod, target = m.Pods.Metric.Name, true, &m.Pods.Target
		case m.Type == v2.ObjectMetricSourceType && m.Object != nil:
			info.Short, target = m.Object.Metric.Name, &m.Object.Target
		case m.Type == v2.ExternalMetricSourceType && m.External != nil:
			info.Short, target = m.External.Metric.Name, &m.External.Target
		default:
			info.Short = strings.ToLower(string(m.Type))
		}
		switch info.Resource {
		case corev1.ResourceCPU:
			info.Unit = "cores"
		case "":
		default:
			info.Unit = "bytes"
		}
		if target != nil {
			info.Target, info.TargetValue = targetOf(&info, target)
		}
		count[info.Short]++
		out[i] = info
	}
	for i := range out {
		if count[out[i].Short] > 1 {
			out[i].Short += "#" + strconv.Itoa(i)
		}
	}
	return out
}

// targetOf says which target the decision code computes a metric against, as it chooses:
// an average value wins over a utilization for resource metrics, and for object and external
// metrics the target type decides.
func targetOf(info *MetricInfo, t *v2.MetricTarget) (decision.TargetKind, float64) {
	q := func(q *resource.Quantity) float64 { return q.AsApproximateFloat64() }
	switch {
	case info.Resource != "" && t.AverageValue != nil:
		return decision.TargetAverageValue, q(t.AverageValue)
	case info.Resource != "" && t.AverageUtilization != nil:
		return decision.TargetUtilization, float64(*t.AverageUtilization)
	case info.PerPod && t.AverageValue != nil:
		return decision.TargetAverageValue, q(t.AverageValue)
	case info.Spec.Type == v2.ExternalMetricSourceType && t.AverageValue != nil:
		return decision.TargetAverageValue, q(t.AverageValue)
	case info.Spec.Type == v2.ExternalMetricSourceType && t.Value != nil:
		return decision.TargetValue, q(t.Value)
	case t.Type == v2.ValueMetricType && t.Value != nil:
		return decision.TargetValue, q(t.Value)
	case t.Type == v2.AverageValueMetricType && t.AverageValue != nil:
		return decision.TargetAverageValue, q(t.AverageValue)
	}
	return decision.TargetNone, math.NaN()
}

// refs lists the names a metric may be given in a trace: its index, its name and, when
// unique, its short name.
func (m *MetricInfo) refs() []string {
	r := []string{strconv.Itoa(m.Index), m.Name, m.Short}
	return r
}

// findMetric finds the metric a trace column or shape names: by index in spec.metrics ("0"),
// by name ("pods/qps") or by short name ("qps").
func findMetric(metrics []MetricInfo, ref string) (int, error) {
	for i := range metrics {
		if slices.Contains(metrics[i].refs(), ref) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%q names no metric of the autoscaler: %s", ref, describeRefs(metrics))
}

func describeRefs(metrics []MetricInfo) string {
	if len(metrics) == 0 {
		return "it has no metrics"
	}
	parts := make([]string, len(metrics))
	for i := range metrics {
		parts[i] = fmt.Sprintf("spec.metrics[%d] is %s, %s or %s", i, strconv.Itoa(i), metrics[i].Name, metrics[i].Short)
	}
	return "name a metric by its index, name or short name: " + strings.Join(parts, "; ")
}

// Bind finds the trace column of each metric of the autoscaler: it returns, for each metric
// in spec.metrics, the index of its column in trace.Columns. Every metric needs a column,
// and every column must name a metric.
func Bind(metrics []MetricInfo, trace *Trace) ([]int, error) {
	cols := make([]int, len(metrics))
	for i := range cols {
		cols[i] = -1
	}
	for c, name := range trace.Columns {
		i, err := findMetric(metrics, name)
		if err != nil {
			return nil, fmt.Errorf("trace %s: column %q: %w", trace.where(), name, err)
		}
		if cols[i] >= 0 {
			return nil, fmt.Errorf("trace %s: columns %q and %q both name spec.metrics[%d] (%s): give one column per metric", trace.where(), trace.Columns[cols[i]], name, i, metrics[i].Name)
		}
		cols[i] = c
	}
	for i, c := range cols {
		if c < 0 {
			return nil, fmt.Errorf("trace %s: no column for spec.metrics[%d] (%s): add a column named %s, %s or %s (it has %s)",
				trace.where(), i, metrics[i].Name, strconv.Itoa(i), metrics[i].Name, metrics[i].Short, strings.Join(trace.Columns, ", "))
		}
	}
	return cols, nil
}

// loads resolves the load model of each metric.
func (m *Model) loads(metrics []MetricInfo) ([]LoadModel, error) {
	out := make([]LoadModel, len(metrics))
	for i := range out {
		out[i] = m.Load
	}
	refs := make([]string, 0, len(m.MetricLoad))
	for ref := range m.MetricLoad {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		i, err := findMetric(metrics, ref)
		if err != nil {
			return nil, fmt.Errorf("load model of %w", err)
		}
		out[i] = m.MetricLoad[ref]
	}
	for i, l := range out {
		if l != LoadShared && l != LoadFixed {
			return nil, fmt.Errorf("load model %q of spec.metrics[%d] (%s): must be %s or %s", l, i, metrics[i].Name, LoadShared, LoadFixed)
		}
	}
	return out, nil
}

// describeLoads words the load model of each metric, for example "shared" or
// "shared; fixed for external/p95_latency_ms".
func describeLoads(loads []LoadModel, metrics []MetricInfo) string {
	if len(loads) == 0 {
		return ""
	}
	var others []string
	for i, l := range loads {
		if l != loads[0] {
			others = append(others, metrics[i].Name)
		}
	}
	if len(others) == 0 {
		return string(loads[0])
	}
	var parts []string
	for _, l := range []LoadModel{LoadShared, LoadFixed} {
		var names []string
		for i := range loads {
			if loads[i] == l {
				names = append(names, metrics[i].Name)
			}
		}
		if len(names) > 0 {
			parts = append(parts, string(l)+" for "+strings.Join(names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
