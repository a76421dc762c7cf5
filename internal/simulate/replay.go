package simulate

import (
	"encoding/json"
	"io"
	"math"

	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Replay is a run in the form a test replays against the real controller to check that the
// controller and the simulator agree: the autoscaler, the workload's settings, and per tick
// what the metrics servers report and the replica count expected after the decision.
//
// A replaying test creates the autoscaler and a Deployment of InitialReplicas pods, plays the
// kubelet with the model's timings (pods run PendingSeconds after they are created and are
// ready StartupDelaySeconds later), runs the controller with the same settings and a clock
// it controls, and at each step sets the metric values of the step (per ready pod, per
// starting pod, or the object or external value), lets the controller reconcile once at the
// step's time, and compares the target's replica count with ExpectReplicas.
type Replay struct {
	// Name is the autoscaler's name.
	Name string `json:"name"`
	// Spec is the autoscaler's spec, in autoscaling.mhpa.dev/v2 with defaults applied.
	Spec *v2.HorizontalPodAutoscalerSpec `json:"spec"`
	// SyncPeriodSeconds is the time between two steps.
	SyncPeriodSeconds float64 `json:"syncPeriodSeconds"`
	// InitialReplicas is the replica count before the first step, all pods ready.
	InitialReplicas int32 `json:"initialReplicas"`
	// Controller holds the controller's settings.
	Controller ReplayController `json:"controller"`
	// Pods holds the workload's timings and requests.
	Pods ReplayPods `json:"pods"`
	// Metrics names the metrics, in the order of spec.metrics and of each step's values.
	Metrics []string `json:"metrics"`
	// Steps holds one entry per decision.
	Steps []ReplayStep `json:"steps"`
}

// ReplayController holds the controller's settings of a replay.
type ReplayController struct {
	// Tolerance is the controller's --horizontal-pod-autoscaler-tolerance.
	Tolerance float64 `json:"tolerance"`
	// DownscaleStabilizationSeconds is its --horizontal-pod-autoscaler-downscale-stabilization.
	DownscaleStabilizationSeconds float64 `json:"downscaleStabilizationSeconds"`
	// CPUInitializationPeriodSeconds is its --horizontal-pod-autoscaler-cpu-initialization-period.
	CPUInitializationPeriodSeconds float64 `json:"cpuInitializationPeriodSeconds"`
	// InitialReadinessDelaySeconds is its --horizontal-pod-autoscaler-initial-readiness-delay.
	InitialReadinessDelaySeconds float64 `json:"initialReadinessDelaySeconds"`
}

// ReplayPods holds the workload's settings of a replay.
type ReplayPods struct {
	// PendingSeconds is how long a new pod stays Pending.
	PendingSeconds float64 `json:"pendingSeconds"`
	// StartupDelaySeconds is how long a running pod takes to become ready.
	StartupDelaySeconds float64 `json:"startupDelaySeconds"`
	// MetricWindowSeconds is the window of each per-pod sample.
	MetricWindowSeconds float64 `json:"metricWindowSeconds"`
	// Requests are the requests of each container, resource name to quantity.
	Requests map[string]string `json:"requests"`
}

// ReplayStep is one decision of a replay.
type ReplayStep struct {
	// Seconds is the time of the decision from the start.
	Seconds float64 `json:"seconds"`
	// Pods counts the pods just before the decision.
	Pods PodCounts `json:"pods"`
	// Values holds what each metric reports at this step, in the order of Metrics.
	Values []ReplayValue `json:"values"`
	// CurrentReplicas is the replica count before the decision.
	CurrentReplicas int32 `json:"currentReplicas"`
	// ExpectReplicas is the replica count after the decision.
	ExpectReplicas int32 `json:"expectReplicas"`
}

// ReplayValue is what one metric reports at a step, as quantities. Unavailable is true when
// the metric cannot be fetched (the metrics server fails for it).
type ReplayValue struct {
	// Ready is the value of each ready pod, for a per-pod metric.
	Ready string `json:"ready,omitempty"`
	// Starting is the value of each running pod that is not ready yet, for a per-pod metric.
	Starting string `json:"starting,omitempty"`
	// Value is the value of an object metric, or the one series of an external metric.
	Value string `json:"value,omitempty"`
	// Unavailable is true when fetching the metric fails.
	Unavailable bool `json:"unavailable,omitempty"`
}

// Replay returns the run in the form a test replays against the real controller.
func (r *Result) Replay() Replay {
	sc := r.Scenario
	out := Replay{
		Name:              sc.HPA.Name,
		Spec:              &sc.HPA.Spec,
		SyncPeriodSeconds: sc.SyncPeriod.Seconds(),
		InitialReplicas:   sc.InitialReplicas,
		Controller: ReplayController{
			Tolerance:                      sc.Config.Tolerance,
			DownscaleStabilizationSeconds:  sc.Config.DownscaleStabilizationWindow.Seconds(),
			CPUInitializationPeriodSeconds: sc.Config.Readiness.CPUInitializationPeriod.Seconds(),
			InitialReadinessDelaySeconds:   sc.Config.Readiness.InitialReadinessDelay.Seconds(),
		},
		Pods: ReplayPods{
			PendingSeconds:      sc.Model.PendingTime.Seconds(),
			StartupDelaySeconds: sc.Model.StartupDelay.Seconds(),
			MetricWindowSeconds: sc.Model.MetricWindow.Seconds(),
			Requests:            map[string]string{},
		},
	}
	for name, q := range sc.Model.Requests {
		out.Pods.Requests[string(name)] = q.String()
	}
	for i := range r.Metrics {
		out.Metrics = append(out.Metrics, r.Metrics[i].Name)
	}
	for i := range r.Ticks {
		tk := &r.Ticks[i]
		step := ReplayStep{
			Seconds: tk.At.Seconds(), Pods: tk.Pods,
			CurrentReplicas: tk.Decision.CurrentReplicas, ExpectReplicas: tk.Replicas,
		}
		for m := range r.Metrics {
			v := tk.Metrics[m].Reported
			var rv ReplayValue
			switch {
			case math.IsNaN(tk.Demand[m]):
				rv.Unavailable = true
			case r.Metrics[m].PerPod:
				if !math.IsNaN(v) {
					rv.Ready = quantity(v)
					rv.Starting = quantity(v * sc.Model.StartupUsage)
				}
			default:
				rv.Value = quantity(v)
			}
			step.Values = append(step.Values, rv)
		}
		out.Steps = append(out.Steps, step)
	}
	return out
}

func quantity(v float64) string {
	return resource.NewMilliQuantity(milli(v), resource.DecimalSI).String()
}

// WriteReplay writes a run's [Replay] as JSON.
func WriteReplay(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Replay())
}
