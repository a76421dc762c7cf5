package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/internal/simulate"
)

// The agreement of `kubectl mhpa simulate` with the controller: one scenario is run through the
// simulator (in-process, with the same decision code), its replay is played against
// mhpa-controller on the real control plane, and both must take the Deployment through the same
// replica counts at nearly the same times.

// simulateTrace is the scenario's load: the external metric queue_length (target: an average of
// 10 per replica) steps up, then down twice. Every step and every period of the behavior below
// falls between two sync ticks (odd seconds against a 2 s sync period), so that no decision
// depends on which side of a boundary a tick lands.
const simulateTrace = `time,queue_length
0,10
7s,80
45s,25
85s,5
110s,5
`

// simulateHPA is the scenario's autoscaler: up by 2 pods per 9 s, down by 3 pods per 9 s after a
// 19 s scale-down stabilization window.
func simulateHPA() *v2.HorizontalPodAutoscaler {
	hpa := hpaFor("", "agree", 1, 10, externalAverage("queue_length", "10"))
	hpa.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{
		ScaleUp: &v2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To[int32](0),
			Policies:                   []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 2, PeriodSeconds: 9}},
		},
		ScaleDown: &v2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To[int32](19),
			Policies:                   []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 3, PeriodSeconds: 9}},
		},
	}
	v2.SetDefaults_HorizontalPodAutoscaler(hpa)
	return hpa
}

// simulateScenario runs the scenario through the simulator and returns its result.
func simulateScenario(t *testing.T) *simulate.Result {
	t.Helper()
	trace, err := simulate.ParseCSVTrace("agree.csv", []byte(simulateTrace))
	if err != nil {
		t.Fatal(err)
	}
	model := simulate.DefaultModel()
	// The Deployment's pods (see env.workload) run and are ready as soon as they are created;
	// the external metric does not depend on readiness anyway.
	model.StartupDelay = 0
	cfg := decision.DefaultConfig()
	cfg.DownscaleStabilizationWindow = 0 // the controller's setting in startEnv; the HPA sets its own
	res, err := simulate.Run(&simulate.Scenario{
		Name: "agree", HPA: simulateHPA(), Trace: trace, Model: model, Config: cfg,
		SyncPeriod: syncPeriod, InitialReplicas: 1,
	})
	if err != nil {
		t.Fatalf("simulating: %v", err)
	}
	return res
}

// replayRun returns the replica changes of a replay as a run: the initial count at the start,
// then each step whose decision changed it, at the step's time.
func replayRun(r *simulate.Replay, start time.Time) *builtinRun {
	run := &builtinRun{name: "simulator", start: start}
	run.changes = append(run.changes, replicaChange{At: start, Replicas: r.InitialReplicas})
	last := r.InitialReplicas
	for _, s := range r.Steps {
		if s.ExpectReplicas != last {
			at := start.Add(time.Duration(s.Seconds * float64(time.Second)))
			run.changes = append(run.changes, replicaChange{At: at, Replicas: s.ExpectReplicas})
			last = s.ExpectReplicas
		}
	}
	return run
}

// setReplayValues sets on the metrics server what the replay's metrics report at a step. Only
// external metrics are replayed here: a value, or no series at all (the fetch fails).
func (e *env) setReplayValues(t *testing.T, ns string, r *simulate.Replay, values []simulate.ReplayValue) {
	t.Helper()
	for i, v := range values {
		m := &r.Spec.Metrics[i]
		if m.Type != v2.ExternalMetricSourceType || m.External == nil {
			t.Fatalf("replaying spec.metrics[%d] (%s): only external metrics are replayed by this test", i, r.Metrics[i])
		}
		series := fakemetrics.ExternalMetric{Namespace: ns, Metric: m.External.Metric.Name}
		if v.Unavailable {
			e.metrics.Group("external.metrics.k8s.io").DeleteExternalMetric(series)
			continue
		}
		q, err := resource.ParseQuantity(v.Value)
		if err != nil {
			t.Fatalf("replay step value %q of %s: %v", v.Value, r.Metrics[i], err)
		}
		series.Value = q
		e.metrics.Group("external.metrics.k8s.io").SetExternalMetric(series)
	}
}

// TestSimulatorAgreesWithController runs one scenario (an external metric with an AverageValue
// target, a scale-up Pods policy and a scale-down stabilization window, over a step up and two
// steps down) through the simulator and through mhpa-controller on the real control plane, and
// checks that the Deployment goes through the same replica counts, each change within one sync
// period (and a second) of the simulator's time for it.
//
// Exact tick equality is not expected. The simulator decides at exactly 0, 2 s, 4 s, ... after
// the start; the controller reconciles the HPA when it sees it created and then a sync period
// after each reconcile ends, so its ticks drift later by each reconcile's latency, and its start
// differs from the test's clock by the latency of the create. A change of the Deployment also
// travels through the scale subresource and a watch before the test records it. What both must
// share is the decision made at each tick from the same values and the same history: the same
// counts, in the same order, at the same tick give or take the one that straddles the drift.
func TestSimulatorAgreesWithController(t *testing.T) {
	res := simulateScenario(t)
	replay := res.Replay()
	// The scenario must exercise both directions, the policies and the window: a scenario in
	// which nothing happens would agree trivially.
	want := []int32{1, 3, 5, 7, 8, 5, 3, 1}
	if got := replicaValues(replayRun(&replay, time.Time{}).changes); !slices.Equal(got, want) {
		t.Fatalf("the simulator took the replicas through %v, want %v: the scenario no longer exercises what it should", got, want)
	}
	if got := time.Duration(replay.SyncPeriodSeconds * float64(time.Second)); got != syncPeriod {
		t.Fatalf("the replay's sync period is %v, want %v", got, syncPeriod)
	}
	// The controller runs with the replay's settings.
	e := startEnv(t, func(o *controllerapp.Options) {
		o.Controller.SyncPeriod = syncPeriod
		o.Controller.Decision.Tolerance = replay.Controller.Tolerance
		o.Controller.Decision.DownscaleStabilizationWindow = time.Duration(replay.Controller.DownscaleStabilizationSeconds * float64(time.Second))
		o.Controller.Decision.Readiness.CPUInitializationPeriod = time.Duration(replay.Controller.CPUInitializationPeriodSeconds * float64(time.Second))
		o.Controller.Decision.Readiness.InitialReadinessDelay = time.Duration(replay.Controller.InitialReadinessDelaySeconds * float64(time.Second))
		o.MetricsFreshness = 0 // every sync reads the value anew, as the simulator does
	})

	const app = "agree"
	ns := e.workload(t, app, replay.InitialReplicas)
	e.waitForReplicas(t, ns, app, replay.InitialReplicas)
	replicas := watchReplicas(t, e.mhpa.Kube, ns, app)
	e.setReplayValues(t, ns, &replay, replay.Steps[0].Values)

	hpa := &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: replay.Name},
		Spec:       *replay.Spec.DeepCopy(),
	}
	hpa.Spec.ScaleTargetRef.Name = app
	e.createHPA(t, hpa)
	start := time.Now()

	// The replay is a timeline: each step's values are set at the step's time after the HPA was
	// created, less half a sync period, so that the controller's tick for the step, which falls
	// a little after the step's time (see above), reads them, and the previous tick does not.
	for i := 1; i < len(replay.Steps); i++ {
		s := replay.Steps[i]
		if slices.Equal(s.Values, replay.Steps[i-1].Values) {
			continue
		}
		at := time.Duration(s.Seconds*float64(time.Second)) - syncPeriod/2
		if !builtinSleepUntil(t.Context(), start.Add(at)) {
			t.Fatal("the test ended during the replay")
		}
		e.setReplayValues(t, ns, &replay, s.Values)
	}
	last := replay.Steps[len(replay.Steps)-1]
	end := time.Duration(last.Seconds*float64(time.Second)) + syncPeriod + time.Second
	if !builtinSleepUntil(t.Context(), start.Add(end)) {
		t.Fatal("the test ended during the replay")
	}

	sim := replayRun(&replay, start)
	ctl := &builtinRun{name: "mhpa-controller", start: start, changes: replicas.snapshot()}
	// The first record is the Deployment as the watch first listed it, before the HPA existed:
	// the initial count, at the start.
	if len(ctl.changes) > 0 && ctl.changes[0].At.Before(start) {
		ctl.changes[0].At = start
	}

	var trace []string
	for i, s := range replay.Steps {
		if i == 0 || !slices.Equal(s.Values, replay.Steps[i-1].Values) {
			trace = append(trace, fmt.Sprintf("%s=%s@%.0fs", replay.Metrics[0], s.Values[0].Value, s.Seconds))
		}
	}
	t.Logf("scenario: %s, sync period %v; metric values from the step that first reports them: %s", replay.Name, syncPeriod, strings.Join(trace, " "))
	t.Logf("changes (replicas@seconds after the HPA was created):")
	t.Logf("  %-16s %s", sim.name, strings.Join(sim.offsets(), " "))
	t.Logf("  %-16s %s", ctl.name, strings.Join(ctl.offsets(), " "))

	if err := compareReplicaRuns(sim, ctl, syncPeriod+time.Second); err != nil {
		t.Errorf("the simulator and the controller do not agree: %v", err)
	}
}
