package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/mhpa-dev/mhpa/internal/simulate"
)

const simulateLong = `Simulate what a HorizontalPodAutoscaler would do over a metric trace, without a cluster.

Every sync period (15s by default) the simulator makes one decision with the decision code the
mhpa controller runs, from the state of a simulated workload, and scales the workload as
decided. The table shows, per decision: each metric's demand (the trace value), its value
against its target as the controller saw it and its proposal (* marks the one that won), the
recommendation, the recommendation after the stabilization windows, the limit that decided the
count (ScaleUpLimit, ScaleDownLimit, TooManyReplicas, TooFewReplicas, or the reason a metric
failed), the replica count ("4->8" when it scaled) and the ready pods; then a summary.

The manifest (-f) may be any version of mhpa's HorizontalPodAutoscaler
(autoscaling.mhpa.dev/v2, v2beta2, v2beta1, v1) or a built-in one (autoscaling/v2,
autoscaling/v1); it is converted to autoscaling.mhpa.dev/v2, defaulted and validated as the
API server would.

The load:
  --trace FILE   CSV with a header "time,<metric>,...", one row per sample:
                   time,cpu,queue
                   0,2,30
                   5m,8,120
                 or YAML/JSON: {points: [{time: 0s, cpu: 2, queue: 30}, {time: 5m, cpu: 8}]}.
                 A metric is named by its index in spec.metrics (0, 1, ...), its name
                 (podResource/cpu, pods/qps, external/queue) or its short name (cpu, qps,
                 queue). Times are seconds (90), durations (1m30s) or RFC 3339 timestamps.
                 Values are numbers or quantities (2.5, 2500m, 3Gi) in the metric's unit
                 (cores for cpu, bytes for memory). A value holds until the next sample. An
                 empty CSV cell (YAML: null) means the metric has no value then: fetching it
                 fails, as when its metrics server is down. In YAML a point that leaves a
                 metric out keeps its previous value.
  --shape SPEC   A built-in shape, [METRIC=]KIND[:NAME=VALUE,...]:
` + "%SHAPES%" + `
The workload (--load-model=shared, the default): a trace value is the metric's total demand
(total CPU cores, requests per second, queue length). A per-pod metric reports demand/ready
on each ready pod, so the load per pod falls as pods become ready; an object or external
metric with a Value target reports demand/ready as well; one with an AverageValue target
reports the demand (the autoscaler divides it by the replicas). New pods are Pending for
--pod-pending-time (no metrics), then run but are not ready for --pod-startup-delay (they
report --pod-startup-usage times a ready pod's value, and the CPU initialization rules leave
their CPU samples out), then ready. Scale-downs remove pending, then starting, then the
youngest pods first, as a ReplicaSet does. With --load-model=fixed a trace value is what the
metric reports whatever the pod count.

The summary gives the scale events, the pod-minutes spent and, with the shared model, the
capacity the demand needed (the pods that bring each metric to its target), how long the
workload had fewer ready pods than needed (under-provisioned), the longest wait until it had
enough again (time to capacity), and the pod-minutes beyond the need.`

const simulateExample = `  # A step in CPU demand from 2 to 8 cores at 5 minutes, against an HPA manifest:
  kubectl mhpa simulate -f hpa.yaml --shape step:from=2,to=8,at=5m

  # A recorded day of traffic for the metric "qps" and a queue as a sine, as a plot:
  kubectl mhpa simulate -f hpa.yaml --shape qps=recorded:min=50,max=900 \
      --shape queue=sine:mean=30,amplitude=20,period=2h --duration 24h --plot day.png --output none

  # A trace from a CSV file; only the rows where something changed; why each scale happened:
  kubectl mhpa simulate -f hpa.yaml --trace load.csv --rows changes --explain

  # What if the scale-down window were 60s? Two specs side by side, with a plot of both:
  kubectl mhpa simulate -f hpa.yaml --compare hpa-window-60s.yaml --trace load.csv --plot compare.svg

  # Slow pods (2 minutes to ready) and a controller synced every 30s, as CSV for a spreadsheet:
  kubectl mhpa simulate -f hpa.yaml --trace load.csv --pod-startup-delay 2m \
      --sync-period 30s -o csv > run.csv

  # The inputs and expected replica counts per tick, to replay against a real controller:
  kubectl mhpa simulate -f hpa.yaml --trace load.csv -o replay > replay.json`

func newSimulateCommand(streams ioStreams) *cobra.Command {
	opts := simulate.DefaultOptions()
	cmd := &cobra.Command{
		Use:     "simulate -f HPA.yaml (--trace FILE | --shape SPEC...) [flags]",
		Short:   "Simulate what a HorizontalPodAutoscaler would do over a metric trace",
		Long:    expandShapes(simulateLong),
		Example: simulateExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return opts.Execute(simulate.Streams{In: streams.In, Out: streams.Out, ErrOut: streams.ErrOut})
		},
	}
	opts.AddFlags(cmd.Flags())
	cmd.Flags().SortFlags = false
	return cmd
}

// expandShapes puts the built-in shapes' help into the long description.
func expandShapes(s string) string {
	lines := strings.Split(strings.TrimRight(simulate.ShapeHelp(), "\n"), "\n")
	for i := range lines {
		lines[i] = "               " + lines[i]
	}
	return strings.Replace(s, "%SHAPES%", strings.Join(lines, "\n")+"\n", 1)
}
