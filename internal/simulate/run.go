package simulate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// Result is the outcome of a simulation run.
type Result struct {
	// Name names the run.
	Name string
	// Scenario is what was run.
	Scenario *Scenario
	// Metrics describes the autoscaler's metrics, in the order of spec.metrics.
	Metrics []MetricInfo
	// Loads is the load model of each metric, in the order of spec.metrics.
	Loads []LoadModel
	// Ticks holds one entry per decision, in time order.
	Ticks []Tick
	// Summary sums the run up.
	Summary Summary
}

// Tick is one decision of a run and the state it was made in.
type Tick struct {
	// At is the time of the decision from the start of the run.
	At time.Duration
	// Demand holds each metric's trace value at this time (NaN when it has none), in the
	// order of spec.metrics.
	Demand []float64
	// Needed is the replica count that would bring every driving metric to its target at
	// this demand (not bounded by minReplicas and maxReplicas); -1 when unknown (see
	// [Summary]).
	Needed int32
	// Pods counts the pods before the decision.
	Pods PodCounts
	// Metrics holds what each metric reported and proposed.
	Metrics []TickMetric
	// Decision is the decision made, as the decision code returned it.
	Decision decision.Decision
	// Replicas is the replica count after the decision.
	Replicas int32
}

// PodCounts counts the pods of the scale target at a tick.
type PodCounts struct {
	// Total is every pod: status.replicas.
	Total int32 `json:"total"`
	// Pending pods have not started yet.
	Pending int32 `json:"pending"`
	// Starting pods run but are not ready yet.
	Starting int32 `json:"starting"`
	// Ready pods serve the load.
	Ready int32 `json:"ready"`
}

// TickMetric is what one metric reported and proposed at a tick.
type TickMetric struct {
	// Reported is the value the metrics server reported, in the metric's unit: the value of
	// each ready pod for a per-pod metric, the value for an object or external metric; NaN
	// when none.
	Reported float64
	// Current is the value the decision compared with the target, in the unit of
	// [MetricInfo.TargetValue] (percent for utilization); NaN when the metric failed.
	Current float64
}

// Run simulates the scenario: one decision per sync period, made by the production decision
// code from the state of the simulated workload, whose scale follows each decision.
func Run(sc *Scenario) (*Result, error) {
	if err := sc.check(); err != nil {
		return nil, err
	}
	metrics := Metrics(&sc.HPA.Spec)
	cols, err := Bind(metrics, sc.Trace)
	if err != nil {
		return nil, err
	}
	loads, err := sc.Model.loads(metrics)
	if err != nil {
		return nil, err
	}
	start := sc.Start
	if start.IsZero() {
		start = DefaultStart
	}
	length := sc.length()
	// The simulated clock: each decision happens at its tick's time.
	clk := clocktesting.NewFakeClock(start)
	w := newWorkload(sc, start, loads)
	res := &Result{Name: sc.Name, Scenario: sc, Metrics: metrics, Loads: loads}
	st := state{}
	for at := time.Duration(0); at <= length; at += sc.SyncPeriod {
		clk.SetTime(start.Add(at))
		now := clk.Now()
		tick := Tick{At: at, Pods: w.counts(now), Demand: make([]float64, len(metrics))}
		for i := range metrics {
			tick.Demand[i] = sc.Trace.ValueAt(cols[i], at)
		}
		tick.Needed = needed(sc, metrics, loads, tick.Demand)
		data, reported := w.gather(now, metrics, tick.Demand)
		in := st.input(sc, now, w, data)
		d := decision.Decide(in)
		st.apply(&d, now)
		if d.Scale {
			w.scale(now, d.DesiredReplicas)
		}
		tick.Decision = d
		tick.Replicas = w.replicas
		tick.Metrics = make([]TickMetric, len(metrics))
		for i := range metrics {
			tick.Metrics[i] = TickMetric{Reported: reported[i], Current: current(&d, i)}
		}
		res.Ticks = append(res.Ticks, tick)
	}
	res.Summary = summarize(res)
	return res, nil
}

func (sc *Scenario) check() error {
	switch {
	case sc.HPA == nil:
		return errors.New("scenario has no autoscaler")
	case sc.Trace == nil || len(sc.Trace.Points) == 0:
		return errors.New("scenario has no trace")
	case sc.SyncPeriod <= 0:
		return fmt.Errorf("sync period %s: must be more than 0", sc.SyncPeriod)
	case sc.InitialReplicas < 0:
		return fmt.Errorf("initial replicas %d: must not be negative", sc.InitialReplicas)
	case sc.Model.StartupUsage < 0:
		return fmt.Errorf("startup usage %g: must not be negative", sc.Model.StartupUsage)
	case sc.Model.PendingTime < 0 || sc.Model.StartupDelay < 0 || sc.Model.MetricWindow < 0:
		return errors.New("pod times must not be negative")
	}
	if n := sc.ticks(); n > maxTicks {
		return fmt.Errorf("%d decisions (duration %s every %s) is more than %d: shorten the duration or lengthen the sync period", n, sc.length(), sc.SyncPeriod, maxTicks)
	}
	return nil
}

// maxTicks bounds a run: a week at the default sync period.
const maxTicks = 7 * 24 * 60 * 4

func (sc *Scenario) length() time.Duration {
	if sc.Duration > 0 {
		return sc.Duration
	}
	return sc.Trace.End()
}

func (sc *Scenario) ticks() int { return int(sc.length()/sc.SyncPeriod) + 1 }

// state is what the controller keeps of an autoscaler between decisions: its status and the
// time of its previous reconcile.
type state struct {
	conditions   []v2.HorizontalPodAutoscalerCondition
	desired      int32
	history      *v2.ScalingHistory
	lastRecorded time.Time
}

// input builds the decision's input as the controller gathers it.
func (s *state) input(sc *Scenario, now time.Time, w *workload, data []decision.MetricData) decision.Input {
	return decision.Input{
		Now:                    now,
		LastRecommendationTime: s.lastRecorded,
		Config:                 sc.Config,
		Spec:                   &sc.HPA.Spec,
		SpecReplicas:           w.replicas,
		StatusReplicas:         int32(len(w.pods)),
		ScaledToZero:           conditionTrue(s.conditions, v2.ScaledToZero),
		LastDesiredReplicas:    s.desired,
		Pods:                   w.decisionPods(now),
		Metrics:                data,
		History:                behavior.FromAPI(s.history),
	}
}

// apply keeps what the controller writes to the status after a decision (the history goes
// through its API form, as it does through the API server).
func (s *state) apply(d *decision.Decision, now time.Time) {
	s.conditions = decision.ApplyConditions(s.conditions, d.Conditions, metav1.NewTime(now))
	s.desired = d.DesiredReplicas
	s.history = d.History.API()
	s.lastRecorded = d.LastRecommendationTime
}

func conditionTrue(conds []v2.HorizontalPodAutoscalerCondition, t v2.HorizontalPodAutoscalerConditionType) bool {
	for i := range conds {
		if conds[i].Type == t {
			return conds[i].Status == corev1.ConditionTrue
		}
	}
	return false
}

// current is the value metric i was compared with in decision d, in the unit of its target.
func current(d *decision.Decision, i int) float64 {
	if i >= len(d.Metrics) {
		return math.NaN()
	}
	m := &d.Metrics[i]
	switch {
	case m.Err != nil:
		return math.NaN()
	case m.Target == decision.TargetUtilization:
		return float64(m.Result.Utilization)
	case m.Target == decision.TargetNone:
		return math.NaN()
	}
	return float64(m.Result.Usage) / 1000
}

// pod is one simulated pod of the scale target.
type pod struct {
	name    string
	created time.Time
	running time.Time
	ready   time.Time
}

// workload is the simulated scale target: its replica count and its pods.
type workload struct {
	model      *Model
	loads      []LoadModel
	containers []replicas.Container
	replicas   int32
	pods       []pod
	seq        int
}

// newWorkload starts the workload with its initial replicas, all ready for an hour.
func newWorkload(sc *Scenario, start time.Time, loads []LoadModel) *workload {
	w := &workload{model: &sc.Model, loads: loads, containers: containersFor(&sc.HPA.Spec, sc.Model.Requests)}
	long := start.Add(-time.Hour)
	for range sc.InitialReplicas {
		w.add(pod{created: long, running: long, ready: long})
	}
	w.replicas = sc.InitialReplicas
	return w
}

// containersFor gives each pod one container per container that a containerResource metric
// names (or one container "app"), each with the model's requests.
func containersFor(spec *v2.HorizontalPodAutoscalerSpec, requests corev1.ResourceList) []replicas.Container {
	var names []string
	for i := range spec.Metrics {
		if c := spec.Metrics[i].ContainerResource; c != nil && !slices.Contains(names, c.Container) {
			names = append(names, c.Container)
		}
	}
	if len(names) == 0 {
		names = []string{"app"}
	}
	var amounts []replicas.ResourceAmount
	for name, q := range requests {
		amounts = append(amounts, replicas.ResourceAmount{Name: name, MilliValue: q.MilliValue()})
	}
	slices.SortFunc(amounts, func(a, b replicas.ResourceAmount) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	out := make([]replicas.Container, len(names))
	for i, n := range names {
		out[i] = replicas.Container{Name: n, Requests: amounts}
	}
	return out
}

func (w *workload) add(p pod) {
	w.seq++
	p.name = fmt.Sprintf("pod-%04d", w.seq)
	w.pods = append(w.pods, p)
}

// scale sets the replica count. New pods are created at once; removed pods go at once, in the
// order a ReplicaSet picks them: pending first, then starting, then the most recently ready.
func (w *workload) scale(now time.Time, n int32) {
	w.replicas = n
	for int32(len(w.pods)) < n {
		running := now.Add(w.model.PendingTime)
		w.add(pod{created: now, running: running, ready: running.Add(w.model.StartupDelay)})
	}
	if int32(len(w.pods)) > n {
		slices.SortStableFunc(w.pods, func(a, b pod) int {
			ra, rb := deletionRank(&a, now), deletionRank(&b, now)
			if ra != rb {
				return ra - rb
			}
			// Ready (or starting) for a shorter time first.
			return b.ready.Compare(a.ready)
		})
		w.pods = w.pods[len(w.pods)-int(n):]
		slices.SortFunc(w.pods, func(a, b pod) int { return a.created.Compare(b.created) })
	}
}

// deletionRank orders pods for deletion: lower goes first.
func deletionRank(p *pod, now time.Time) int {
	switch {
	case now.Before(p.running):
		return 0
	case now.Before(p.ready):
		return 1
	}
	return 2
}

func (w *workload) counts(now time.Time) PodCounts {
	c := PodCounts{Total: int32(len(w.pods))}
	for i := range w.pods {
		p := &w.pods[i]
		switch {
		case now.Before(p.running):
			c.Pending++
		case now.Before(p.ready):
			c.Starting++
		default:
			c.Ready++
		}
	}
	return c
}

// decisionPods describes the pods at now as the controller's pod informer would. A pod's
// phase and readiness follow from its schedule, so nothing needs to advance between
// decisions.
func (w *workload) decisionPods(now time.Time) []replicas.Pod {
	out := make([]replicas.Pod, 0, len(w.pods))
	for i := range w.pods {
		out = append(out, podAt(&w.pods[i], w.containers, now))
	}
	return out
}

// podAt describes p at now: its phase, start time and readiness.
func podAt(p *pod, containers []replicas.Container, now time.Time) replicas.Pod {
	out := replicas.Pod{Name: p.name, Containers: containers, Phase: corev1.PodPending}
	if now.Before(p.running) {
		return out
	}
	out.Phase, out.StartTime = corev1.PodRunning, p.running
	if now.Before(p.ready) {
		out.Ready, out.ReadyTransition = corev1.ConditionFalse, p.running
	} else {
		out.Ready, out.ReadyTransition = corev1.ConditionTrue, p.ready
	}
	return out
}

// gather returns the metric data the controller would fetch at now for the given demand of
// each metric, and the value reported for each (per ready pod for per-pod metrics).
func (w *workload) gather(now time.Time, metrics []MetricInfo, demand []float64) ([]decision.MetricData, []float64) {
	counts := w.counts(now)
	data := make([]decision.MetricData, len(metrics))
	reported := make([]float64, len(metrics))
	for i := range metrics {
		m := &metrics[i]
		v := demand[i]
		if math.IsNaN(v) {
			data[i].Err = errors.New("the trace has no value for this metric at this time")
			reported[i] = math.NaN()
			continue
		}
		switch {
		case m.PerPod:
			// The ready pods share the demand in whole milli-units that add up to it
			// exactly, as measured values would.
			total, share := milli(v), int64(1)
			shared := w.loads[i] == LoadShared
			if shared {
				share = int64(max(counts.Ready, 1))
				v /= float64(share)
			}
			reported[i] = v
			starting := milli(v * w.model.StartupUsage)
			readySeen := int64(0)
			for j := range w.pods {
				p := &w.pods[j]
				var val int64
				switch {
				case now.Before(p.running):
					continue
				case now.Before(p.ready):
					val = starting
				case shared:
					val = total / share
					if readySeen < total%share {
						val++
					}
					readySeen++
				default:
					val = total
				}
				data[i].PodMetrics = append(data[i].PodMetrics, replicas.PodMetric{
					Pod: p.name, MilliValue: val, Timestamp: now, Window: w.model.MetricWindow,
				})
			}
			if len(w.pods) == 0 || counts.Pending == counts.Total {
				reported[i] = math.NaN()
			}
		default:
			if w.loads[i] == LoadShared && m.Target == decision.TargetValue {
				v /= float64(max(counts.Ready, 1))
			}
			reported[i] = v
			if m.Spec.Type == v2.ExternalMetricSourceType {
				data[i].Values = []int64{milli(v)}
			} else {
				data[i].Value = milli(v)
			}
		}
	}
	return data, reported
}

// milli converts a value to milli-units, rounded.
func milli(v float64) int64 {
	m := math.Round(v * 1000)
	if m >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(m)
}
