package replicas

import (
	"errors"
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Default readiness settings, as kube-controller-manager's defaults for
// --horizontal-pod-autoscaler-cpu-initialization-period and
// --horizontal-pod-autoscaler-initial-readiness-delay.
const (
	DefaultCPUInitializationPeriod = 5 * time.Minute
	DefaultInitialReadinessDelay   = 30 * time.Second
)

// Errors the calculator returns for lack of data. They carry upstream's wording.
var (
	// ErrNoPods means the scale target's selector matched no pods.
	ErrNoPods = errors.New("no pods returned by selector while calculating replica count")
	// ErrNoMetrics means no pod that counts has a metric value.
	ErrNoMetrics = errors.New("did not receive metrics for targeted pods (pods might be unready)")
	// ErrNoMatchingMetrics means no metric value belongs to a pod with a request.
	ErrNoMatchingMetrics = errors.New("no metrics returned matched known pods")
)

// Readiness holds the rules that decide whether a pod's CPU sample is trusted while the pod
// starts. They apply to CPU resource and container resource metrics only.
type Readiness struct {
	// CPUInitializationPeriod is how long after a pod's start its CPU samples are only used
	// when the pod is ready and the sample was taken entirely after it became ready.
	CPUInitializationPeriod time.Duration
	// InitialReadinessDelay is how long after a pod's start a not-ready pod is considered
	// still starting (and so left out) rather than having become unready after running.
	InitialReadinessDelay time.Duration
}

// DefaultReadiness returns kube-controller-manager's default readiness rules.
func DefaultReadiness() Readiness {
	return Readiness{CPUInitializationPeriod: DefaultCPUInitializationPeriod, InitialReadinessDelay: DefaultInitialReadinessDelay}
}

// Outcome says how a proposal was arrived at.
type Outcome uint8

const (
	// OutcomeRatio means the proposal is the usage ratio applied to the pods that reported.
	OutcomeRatio Outcome = iota
	// OutcomeWithinTolerance means the usage ratio was within tolerance: the count is kept.
	OutcomeWithinTolerance
	// OutcomeRebalanced means pods without values or unready pods were filled in (at the
	// target or at zero) and the proposal comes from the recomputed ratio.
	OutcomeRebalanced
	// OutcomeRebalancedWithinTolerance means the recomputed ratio was within tolerance: the
	// count is kept.
	OutcomeRebalancedWithinTolerance
	// OutcomeRebalanceFlipped means filling in pods would have reversed the direction of the
	// change: the count is kept.
	OutcomeRebalanceFlipped
	// OutcomeFromZero means the target has zero replicas and the proposal is the usage ratio
	// itself, rounded up.
	OutcomeFromZero
)

var outcomeText = [...]string{
	OutcomeRatio:                     "usage ratio applied to the pods that reported",
	OutcomeWithinTolerance:           "usage ratio within tolerance",
	OutcomeRebalanced:                "usage ratio recomputed with missing and unready pods filled in",
	OutcomeRebalancedWithinTolerance: "usage ratio within tolerance once missing and unready pods are filled in",
	OutcomeRebalanceFlipped:          "filling in missing and unready pods would reverse the direction of the change",
	OutcomeFromZero:                  "scaling from zero: usage ratio rounded up",
}

// String explains the outcome in words.
func (o Outcome) String() string {
	if int(o) < len(outcomeText) {
		return outcomeText[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// PodCounts tallies how the pods and per-pod values were used.
type PodCounts struct {
	// Ready pods reported a value that went into the average.
	Ready int32
	// Unready pods (pending, or for CPU not ready yet) were left out of the average.
	Unready int32
	// Missing pods reported no value.
	Missing int32
	// Ignored pods were being deleted or had failed.
	Ignored int32
	// Extra values belong to no listed pod; for plain values they still count.
	Extra int32
}

// Result is a metric's replica proposal and the figures behind it.
type Result struct {
	// Replicas is the proposed replica count.
	Replicas int32
	// Outcome says how Replicas was arrived at.
	Outcome Outcome
	// UsageRatio is the ratio of the current value to the target that the proposal started
	// from (before pods without values or unready pods were filled in).
	UsageRatio float64
	// Usage is the current value in milli-units as status.currentMetrics reports it: the
	// average per pod for AverageValue and Utilization targets, the total for Value targets.
	Usage int64
	// Utilization is the current utilization in percent of the requests, for Utilization
	// targets.
	Utilization int32
	// Pods tallies the pods behind a per-pod proposal.
	Pods PodCounts
}

// PodMetricInput is the input of the per-pod calculations: resource, container resource and
// pods metrics.
type PodMetricInput struct {
	// Now is the time of the decision, against which pod start times are compared.
	Now time.Time
	// CurrentReplicas is the scale target's current replica count (its spec.replicas).
	CurrentReplicas int32
	// Tolerances around a usage ratio of 1.
	Tolerances Tolerances
	// Readiness holds the CPU start-up rules.
	Readiness Readiness
	// Pods are the pods the scale target's selector matches.
	Pods []Pod
	// Metrics are the per-pod values, at most one per pod.
	Metrics []PodMetric
	// Resource names the resource of a resource or container resource metric; empty for a
	// pods metric. The CPU start-up rules apply when it is cpu.
	Resource corev1.ResourceName
	// Container names the container of a container resource metric, whose request alone
	// counts; empty otherwise.
	Container string
	// TargetUtilization is the target utilization in percent, for Utilization targets.
	TargetUtilization int32
	// TargetAverageValue is the target average value in milli-units, for AverageValue
	// targets.
	TargetAverageValue int64
}

// tally is the outcome of sorting the pods of a per-pod calculation.
type tally struct {
	counts PodCounts
	// readySum is the sum of the ready pods' values and readyReq the sum of their requests.
	readySum, readyReq int64
	// extraSum is the sum of the values that belong to no listed pod.
	extraSum int64
	// missingReq is the sum of the requests of the pods without values, missingFallback the
	// sum of the values they are assumed to use on a scale-down of a utilization target.
	missingReq, missingFallback int64
	// unreadyReq is the sum of the requests of the unready pods.
	unreadyReq int64
	// requestErr is the first error met computing requests.
	requestErr error
}

// sortPods puts each pod in one class: ignored, unready, missing or ready. With
// fallbackPercent > 0 it also sums requests (utilization targets).
func sortPods(in *PodMetricInput, fallbackPercent int64) tally {
	var t tally
	idx := metricIndex{metrics: in.Metrics}
	var matchedSum int64
	var matched int32
	needRequests := fallbackPercent > 0
	for i := range in.Pods {
		p := &in.Pods[i]
		var req int64
		if needRequests && t.requestErr == nil {
			var err error
			if req, err = podRequest(p, in.Container, in.Resource); err != nil {
				t.requestErr = err
			}
		}
		mi, found := idx.find(i, p.Name)
		if found {
			matched++
			matchedSum += in.Metrics[mi].MilliValue
		}
		switch {
		case p.Deleting || p.Phase == corev1.PodFailed:
			t.counts.Ignored++
		case p.Phase == corev1.PodPending:
			t.counts.Unready++
			t.unreadyReq += req
		case !found:
			t.counts.Missing++
			t.missingReq += req
			t.missingFallback += req * fallbackPercent / 100
		case in.Resource == corev1.ResourceCPU && cpuUnready(p, &in.Metrics[mi], in.Now, in.Readiness):
			t.counts.Unready++
			t.unreadyReq += req
		default:
			t.counts.Ready++
			t.readySum += in.Metrics[mi].MilliValue
			t.readyReq += req
		}
	}
	var total int64
	for i := range in.Metrics {
		total += in.Metrics[i].MilliValue
	}
	t.counts.Extra = int32(len(in.Metrics)) - matched
	t.extraSum = total - matchedSum
	return t
}

// cpuUnready reports whether a running pod's CPU sample must be left out because the pod is
// starting: it has no Ready condition or start time; it is within the CPU initialization
// period and is not ready or the sample overlaps the time before it became ready; or it is
// past that period, not ready, and has never been ready (its readiness last changed within the
// initial readiness delay after its start).
func cpuUnready(p *Pod, m *PodMetric, now time.Time, r Readiness) bool {
	if p.Ready == "" || p.StartTime.IsZero() {
		return true
	}
	if p.StartTime.Add(r.CPUInitializationPeriod).After(now) {
		return p.Ready == corev1.ConditionFalse || m.Timestamp.Before(p.ReadyTransition.Add(m.Window))
	}
	return p.Ready == corev1.ConditionFalse && p.StartTime.Add(r.InitialReadinessDelay).After(p.ReadyTransition)
}

// podRequest returns a pod's request of a resource: the named container's, or with pod-level
// requests set the pod-level one, or else the sum over the containers and sidecars.
func podRequest(p *Pod, container string, res corev1.ResourceName) (int64, error) {
	if container == "" && len(p.PodRequests) > 0 {
		if v, ok := lookup(p.PodRequests, res); ok {
			return v, nil
		}
		// Pod-level requests are set, but not for this resource: the containers that
		// request it make up the pod's request.
		var sum int64
		found := false
		for i := range p.Containers {
			if v, ok := lookup(p.Containers[i].Requests, res); ok {
				sum += v
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("missing pod-level request for %s in Pod %s", res, p.Name)
		}
		return sum, nil
	}
	var sum int64
	for i := range p.Containers {
		c := &p.Containers[i]
		if container != "" && container != c.Name {
			continue
		}
		v, ok := lookup(c.Requests, res)
		if !ok {
			return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", res, c.Name, p.Name)
		}
		sum += v
		if container != "" {
			return sum, nil
		}
	}
	if container != "" {
		return 0, fmt.Errorf("container %s not found in Pod %s", container, p.Name)
	}
	return sum, nil
}

// PodUtilization proposes a replica count for a resource or container resource metric with a
// Utilization target.
func PodUtilization(in PodMetricInput) (Result, error) {
	target := in.TargetUtilization
	if target <= 0 {
		return Result{}, fmt.Errorf("invalid target utilization %d: must be greater than 0", target)
	}
	if len(in.Pods) == 0 {
		return Result{}, ErrNoPods
	}
	t := sortPods(&in, int64(max(100, target)))
	if t.counts.Ready+t.counts.Extra == 0 {
		return Result{Pods: t.counts}, ErrNoMetrics
	}
	if t.requestErr != nil {
		return Result{Pods: t.counts}, t.requestErr
	}
	if t.readyReq == 0 {
		return Result{Pods: t.counts}, ErrNoMatchingMetrics
	}
	util := int32(t.readySum * 100 / t.readyReq)
	ratio := float64(util) / float64(target)
	res := Result{
		UsageRatio:  ratio,
		Usage:       t.readySum / int64(t.counts.Ready),
		Utilization: util,
		Pods:        t.counts,
	}
	fill := plan(&t, ratio)
	if !fill.needed() {
		return finishSimple(res, in.CurrentReplicas, in.Tolerances, t.counts.Ready), nil
	}
	sum, req := t.readySum, t.readyReq
	if fill.missing {
		req += t.missingReq
		if ratio < 1 {
			sum += t.missingFallback
		}
	}
	if fill.unready {
		req += t.unreadyReq
	}
	newRatio := float64(int32(sum*100/req)) / float64(target)
	return finishRebalanced(res, in.CurrentReplicas, in.Tolerances, newRatio, fill.count(&t)), nil
}

// PodAverageValue proposes a replica count for a pods metric, or a resource or container
// resource metric with an AverageValue target.
func PodAverageValue(in PodMetricInput) (Result, error) {
	target := in.TargetAverageValue
	if target <= 0 {
		return Result{}, fmt.Errorf("invalid target average value %dm: must be greater than 0", target)
	}
	if len(in.Pods) == 0 {
		return Result{}, ErrNoPods
	}
	t := sortPods(&in, 0)
	n := int64(t.counts.Ready + t.counts.Extra)
	if n == 0 {
		return Result{Pods: t.counts}, ErrNoMetrics
	}
	sum := t.readySum + t.extraSum
	usage := sum / n
	ratio := float64(usage) / float64(target)
	res := Result{UsageRatio: ratio, Usage: usage, Pods: t.counts}
	fill := plan(&t, ratio)
	if !fill.needed() {
		return finishSimple(res, in.CurrentReplicas, in.Tolerances, t.counts.Ready), nil
	}
	if fill.missing && ratio < 1 {
		sum += int64(t.counts.Missing) * target
	}
	count := fill.count(&t)
	newRatio := float64(sum/int64(count)) / float64(target)
	return finishRebalanced(res, in.CurrentReplicas, in.Tolerances, newRatio, count), nil
}

// fillPlan says which pods without a usable value are filled in before recomputing.
type fillPlan struct {
	// missing: pods without values (at the target or fallback on a scale-down, at zero on a
	// scale-up; not at all at a ratio of exactly 1).
	missing bool
	// unready: unready pods, at zero, on a scale-up only.
	unready bool
	// recompute is true when anything is missing or unready in a way that needs a second
	// look, even if nothing is filled in.
	recompute bool
}

func plan(t *tally, ratio float64) fillPlan {
	unready := t.counts.Unready > 0 && ratio > 1
	missing := t.counts.Missing > 0
	return fillPlan{missing: missing && ratio != 1, unready: unready, recompute: unready || missing}
}

func (f fillPlan) needed() bool { return f.recompute }

// count is the number of values in the recomputed average: ready pods, extra values, and the
// pods filled in.
func (f fillPlan) count(t *tally) int32 {
	n := t.counts.Ready + t.counts.Extra
	if f.missing {
		n += t.counts.Missing
	}
	if f.unready {
		n += t.counts.Unready
	}
	return n
}

// finishSimple applies the ratio to the ready pods when no pod needed filling in.
func finishSimple(res Result, current int32, tol Tolerances, ready int32) Result {
	if tol.Within(res.UsageRatio) {
		res.Replicas, res.Outcome = current, OutcomeWithinTolerance
		return res
	}
	res.Replicas, res.Outcome = ceilInt32(res.UsageRatio*float64(ready)), OutcomeRatio
	return res
}

// finishRebalanced applies the recomputed ratio, keeping the current count when it is within
// tolerance or when filling in reversed the direction of the change.
func finishRebalanced(res Result, current int32, tol Tolerances, newRatio float64, count int32) Result {
	ratio := res.UsageRatio
	switch {
	case tol.Within(newRatio):
		res.Replicas, res.Outcome = current, OutcomeRebalancedWithinTolerance
		return res
	case (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1):
		res.Replicas, res.Outcome = current, OutcomeRebalanceFlipped
		return res
	}
	n := ceilInt32(newRatio * float64(count))
	if (newRatio < 1 && n > current) || (newRatio > 1 && n < current) {
		res.Replicas, res.Outcome = current, OutcomeRebalanceFlipped
		return res
	}
	res.Replicas, res.Outcome = n, OutcomeRebalanced
	return res
}

// ValueInput is the input of the calculation for object and external metrics with a Value
// target.
type ValueInput struct {
	// CurrentReplicas is the scale target's current replica count (its spec.replicas).
	CurrentReplicas int32
	// Tolerances around a usage ratio of 1.
	Tolerances Tolerances
	// Pods are the pods the scale target's selector matches; the running and ready ones are
	// counted.
	Pods []Pod
	// Usage is the metric's current value in milli-units (for external metrics, the sum of
	// the series; see [ExternalValueSum]).
	Usage int64
	// Target is the target value in milli-units.
	Target int64
}

// Value proposes a replica count for an object or external metric with a Value target: the
// usage ratio times the number of running, ready pods. From zero replicas the proposal is the
// usage ratio itself, rounded up, and no tolerance applies.
func Value(in ValueInput) (Result, error) {
	if in.Target <= 0 {
		return Result{}, fmt.Errorf("invalid target value %dm: must be greater than 0", in.Target)
	}
	ratio := float64(in.Usage) / float64(in.Target)
	res := Result{UsageRatio: ratio, Usage: in.Usage}
	if in.CurrentReplicas == 0 {
		res.Replicas, res.Outcome = ceilInt32(ratio), OutcomeFromZero
		return res, nil
	}
	if in.Tolerances.Within(ratio) {
		res.Replicas, res.Outcome = in.CurrentReplicas, OutcomeWithinTolerance
		return res, nil
	}
	if len(in.Pods) == 0 {
		return Result{}, fmt.Errorf("unable to calculate ready pods: %w", ErrNoPods)
	}
	for i := range in.Pods {
		p := &in.Pods[i]
		if p.Phase == corev1.PodRunning && p.Ready == corev1.ConditionTrue {
			res.Pods.Ready++
		}
	}
	res.Replicas, res.Outcome = ceilInt32(ratio*float64(res.Pods.Ready)), OutcomeRatio
	return res, nil
}

// AverageValueInput is the input of the calculation for object and external metrics with an
// AverageValue target.
type AverageValueInput struct {
	// StatusReplicas is the number of replicas the scale target reports (its
	// status.replicas).
	StatusReplicas int32
	// Tolerances around a usage ratio of 1.
	Tolerances Tolerances
	// Usage is the metric's current total value in milli-units (for external metrics, the
	// sum of the series; see [ExternalAverageValueSum]).
	Usage int64
	// Target is the target value per replica in milli-units.
	Target int64
}

// AverageValue proposes a replica count for an object or external metric with an
// AverageValue target: the total value divided by the target per replica, rounded up, unless
// the usage ratio against the current replicas is within tolerance. The reported usage is the
// value per current replica, or the total when there are none.
func AverageValue(in AverageValueInput) (Result, error) {
	if in.Target <= 0 {
		return Result{}, fmt.Errorf("invalid target average value %dm: must be greater than 0", in.Target)
	}
	ratio := float64(in.Usage) / (float64(in.Target) * float64(in.StatusReplicas))
	res := Result{UsageRatio: ratio, Replicas: in.StatusReplicas, Outcome: OutcomeWithinTolerance}
	if !in.Tolerances.Within(ratio) {
		res.Replicas, res.Outcome = ceilInt32(float64(in.Usage)/float64(in.Target)), OutcomeRatio
	}
	res.Usage = ceilInt64(float64(in.Usage) / float64(max(in.StatusReplicas, 1)))
	return res, nil
}

// ExternalValueSum adds up the series of an external metric for a Value target, saturating at
// the largest int64 when the sum overflows.
func ExternalValueSum(values []int64) int64 {
	var sum int64
	for _, v := range values {
		if v > 0 && sum > math.MaxInt64-v {
			return math.MaxInt64
		}
		sum += v
	}
	return sum
}

// ExternalAverageValueSum adds up the series of an external metric for an AverageValue
// target. As upstream does, a running sum that turns negative is taken for an overflow and
// saturates at the largest int64.
func ExternalAverageValueSum(values []int64) int64 {
	var sum int64
	for _, v := range values {
		sum += v
		if sum < 0 {
			return math.MaxInt64
		}
	}
	return sum
}

// ceilInt32 rounds up to an int32, saturating at the int32 range (NaN gives 0).
func ceilInt32(f float64) int32 {
	c := math.Ceil(f)
	switch {
	case math.IsNaN(c):
		return 0
	case c >= math.MaxInt32:
		return math.MaxInt32
	case c <= math.MinInt32:
		return math.MinInt32
	}
	return int32(c)
}

// ceilInt64 rounds up to an int64, saturating at the int64 range (NaN gives 0).
func ceilInt64(f float64) int64 {
	c := math.Ceil(f)
	switch {
	case math.IsNaN(c):
		return 0
	case c >= math.MaxInt64:
		return math.MaxInt64
	case c <= math.MinInt64:
		return math.MinInt64
	}
	return int64(c)
}

// metricIndex finds a pod's value. Values usually come in the pods' order, so the value at
// the pod's own index is tried first; short lists are then scanned, long ones indexed once.
type metricIndex struct {
	metrics []PodMetric
	byName  map[string]int
}

const linearScanLimit = 16

func (x *metricIndex) find(i int, name string) (int, bool) {
	if i < len(x.metrics) && x.metrics[i].Pod == name {
		return i, true
	}
	if len(x.metrics) <= linearScanLimit {
		for j := range x.metrics {
			if x.metrics[j].Pod == name {
				return j, true
			}
		}
		return 0, false
	}
	if x.byName == nil {
		x.byName = make(map[string]int, len(x.metrics))
		for j := range x.metrics {
			x.byName[x.metrics[j].Pod] = j
		}
	}
	j, ok := x.byName[name]
	return j, ok
}
