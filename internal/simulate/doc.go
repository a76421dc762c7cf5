// Package simulate runs an autoscaler against a metric trace without a cluster: what would
// this spec do over this load? It is the engine of kubectl mhpa simulate.
//
// It calls the production decision code, [decision.Decide], once per sync period, exactly as
// the controller's reconcile does, and plays the rest of the cluster itself:
//
//   - The status the controller keeps between decisions: the conditions (through
//     [decision.ApplyConditions], so ScaledToZero allows scaling up from zero), the last
//     desired replica count, the history in its API form (as it goes through the API server),
//     and the time of the previous decision.
//   - The scale target: its replica count follows each decision at once. New pods are Pending
//     for [Model.PendingTime], then run but are not ready for [Model.StartupDelay], then are
//     ready; the pods the calculator sees carry those phases, start times and readiness
//     transitions, so the CPU initialization and unready-pod rules of package replicas play out
//     as in a cluster. Scale-downs remove pods in a ReplicaSet's order.
//   - The metrics servers: at each decision a [Trace] gives each metric's demand, which
//     [LoadModel] turns into what the metrics report (per pod, or an object or external value).
//     A missing trace value makes the fetch fail, as when a metrics server is down.
//
// Nothing reads a real clock: a fake clock (k8s.io/utils/clock/testing) set to each decision's
// simulated time drives the run, so a run is reproducible to the byte.
//
// A run's [Result] holds every decision with its reasons, and a [Summary] of the capacity it
// provided against the capacity the demand needed. [WriteTable], [WriteCompareTable],
// [WriteCSV], [WriteJSON] and [WritePlot] render runs; [Result.Replay] exports a run as the
// sequence of metric values and expected replica counts that a test replays against the real
// controller. [Options] holds the command's flags.
//
// The golden tests run every scenario of testdata/scenarios (command lines of kubectl mhpa
// simulate, among them the behavior examples of the upstream documentation) and compare the
// output with testdata/golden; go test ./internal/simulate -run TestGoldenScenarios -update
// rewrites them.
package simulate
