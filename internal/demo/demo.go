package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/controlplane/kubelet"
	"github.com/mhpa-dev/mhpa/internal/install"
)

// fieldManager is the demo's field manager for server-side apply.
const fieldManager = "mhpa-demo"

// setupTimeout bounds each wait while the demo sets up (Deployments ready, autoscalers active).
const setupTimeout = 2 * time.Minute

// Process is a process a run started.
type Process struct {
	Name string
	PID  int
}

// Result is what a run did and saw.
type Result struct {
	// Workloads are the autoscaled Deployments.
	Workloads []Workload
	// Shape is the load shape.
	Shape Shape
	// Samples are what the demo saw, about once a second, from the start of the load.
	Samples []Sample
	// Plot is the plot written, or "" if none was.
	Plot string
	// Processes are the processes the run started: the control plane's, the metrics servers'
	// and mhpa-controller. All are stopped when Run returns.
	Processes []Process
	// Requests are the metrics requests each API group's server received.
	Requests map[string]int64
}

// run is the state of one run.
type run struct {
	opts     Options
	scenario *Scenario
	shape    Shape
	began    time.Time

	cp                *controlplane.ControlPlane
	kube              kubernetes.Interface
	dynamic           dynamic.Interface
	client            client.Client
	servers           map[string]*metricsServer // by API group
	serverList        []*metricsServer
	controllerMetrics string
	hpasApplied       bool
	sent              map[string]string // last value sent per workload

	mu       sync.Mutex
	children []*child
	lines    int // lines of the live table on screen
}

// Run runs the demo: it builds what is missing, starts a local control plane, two metrics
// servers and mhpa-controller, applies the samples, drives the load while printing a live
// table, writes the plot, and stops everything it started, also when ctx ends early or a step
// fails. With Options.Keep it waits for ctx to end before stopping.
func Run(ctx context.Context, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	scenario, err := DefaultScenario()
	if err != nil {
		return nil, err
	}
	r := &run{opts: opts, scenario: scenario, shape: DefaultShape(opts.Duration), began: opts.Clock.Now(),
		servers: map[string]*metricsServer{}, sent: map[string]string{}}
	if err := r.shape.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Workloads: scenario.Workloads, Shape: r.shape, Requests: map[string]int64{}}
	err = r.run(ctx, res)
	res.Processes = processesOf(os.Getpid())
	if stopErr := r.teardown(); stopErr != nil {
		err = errors.Join(err, stopErr)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", errInterrupted, err)
		}
		return res, fmt.Errorf("%w\nlogs: %s and %s", err, r.logDir(), filepath.Join(r.cpDir(), "logs"))
	}
	return res, nil
}

// processesOf lists the children of pid: what the run started and has not stopped yet.
func processesOf(pid int) []Process {
	ps := Children(pid)
	sort.Slice(ps, func(i, j int) bool { return ps[i].PID < ps[j].PID })
	return ps
}

func (r *run) logDir() string { return filepath.Join(r.opts.WorkDir, "logs") }
func (r *run) cpDir() string  { return filepath.Join(r.opts.WorkDir, "controlplane") }

// progress prints a line with the time since the start.
func (r *run) progress(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = 0
	fmt.Fprintf(r.opts.Out, "[%6.1fs] %s\n", r.opts.Clock.Since(r.began).Seconds(), fmt.Sprintf(format, args...))
}

// progressWriter passes the lines written to it to progress.
type progressWriter struct{ r *run }

func (w progressWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.r.progress("  %s", line)
	}
	return len(p), nil
}

func (r *run) addChild(c *child) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.children = append(r.children, c)
}

func (r *run) run(ctx context.Context, res *Result) error {
	if err := r.build(ctx); err != nil {
		return err
	}
	for _, dir := range []string{r.cpDir(), r.logDir()} {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}

	r.progress("starting the control plane: etcd, kube-apiserver, kube-controller-manager, kubelet stand-in")
	cp, err := controlplane.Start(ctx, controlplane.Options{
		BinDir: r.opts.ControlPlaneDir, Dir: r.cpDir(), ControllerManager: true, Kubelet: true,
		KubeletOptions: kubelet.Options{ReadyAfter: r.opts.PodStartup},
		Log:            progressWriter{r},
	})
	if err != nil {
		return err
	}
	r.cp = cp
	if err := r.clients(cp.AdminConfig()); err != nil {
		return err
	}
	kubeconfig := cp.KubeconfigPath()

	r.progress("installing the CRD and the webhook configurations from %s and %s", install.CRDPath, install.WebhooksPath)
	apiext, err := apiextensionsclient.NewForConfig(cp.AdminConfig())
	if err != nil {
		return err
	}
	if err := install.Install(ctx, install.Clients{Kube: r.kube, APIExtensions: apiext}, install.RepoManifests(r.opts.RepoRoot), setupTimeout); err != nil {
		return err
	}

	if err := r.startMetricsServers(ctx, kubeconfig); err != nil {
		return err
	}

	r.progress("starting mhpa-controller: sync period %s, scale-down stabilization %s, webhooks on https://localhost",
		r.opts.SyncPeriod, r.opts.DownscaleStabilization)
	if err := r.startController(ctx, kubeconfig); err != nil {
		return err
	}
	r.progress("mhpa-controller is running; the API server converts, defaults and validates through its webhooks")

	if err := r.applySamples(ctx); err != nil {
		return err
	}

	err = r.runLoad(ctx, res)
	if len(res.Samples) > 0 {
		res.Plot = r.opts.Plot
		if plotErr := r.writePlot(res); plotErr != nil {
			res.Plot = ""
			err = errors.Join(err, plotErr)
		}
	}
	if err != nil {
		return err
	}
	r.requests(ctx, res)
	r.printSummary(res)
	if r.opts.Keep {
		r.keep(ctx, kubeconfig)
	}
	return nil
}

// clients creates the admin clients.
func (r *run) clients(cfg *rest.Config) error {
	cfg.QPS, cfg.Burst = 50, 100
	var err error
	if r.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if r.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(mhpav2.AddToScheme(scheme))
	r.client, err = client.New(cfg, client.Options{Scheme: scheme})
	return err
}

// serverPlan returns the metrics servers to run: one for the default groups (resource and
// external metrics, and any other default group a workload reads) and one per subdomain, each
// with the groups of that subdomain the workloads read.
func serverPlan(groups []string) (names []string, byName map[string][]string) {
	byName = map[string][]string{"metrics-default": {"metrics.k8s.io", "external.metrics.k8s.io"}}
	names = []string{"metrics-default"}
	bases := []string{"custom.metrics.k8s.io", "external.metrics.k8s.io", "metrics.k8s.io"}
	for _, g := range groups {
		sub := ""
		for _, base := range bases {
			if g == base {
				break
			}
			if strings.HasSuffix(g, "."+base) {
				sub = strings.TrimSuffix(g, "."+base)
				break
			}
		}
		name := "metrics-default"
		if sub != "" {
			name = "metrics-" + sub
		}
		if _, ok := byName[name]; !ok {
			names = append(names, name)
		}
		if !contains(byName[name], g) {
			byName[name] = append(byName[name], g)
		}
	}
	return names, byName
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// startMetricsServers starts the metrics servers side by side and waits until each serves and
// its APIServices are available.
func (r *run) startMetricsServers(ctx context.Context, kubeconfig string) error {
	names, groups := serverPlan(r.scenario.Groups())
	for _, n := range names {
		r.progress("starting metrics server %s (mhpa-fake-metrics) for %s", n, strings.Join(groups[n], ", "))
	}
	servers := make([]*metricsServer, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = r.startMetricsServer(ctx, n, groups[n], kubeconfig)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, s := range servers {
		r.serverList = append(r.serverList, s)
		for _, g := range s.groups {
			r.servers[g] = s
		}
		r.progress("metrics server %s serves %s (APIServices available)", s.name, strings.Join(s.groups, ", "))
	}
	return nil
}

// applySamples applies the namespaces and Deployments, waits until they run, sets the
// baseline metrics, applies the autoscalers and waits until each has read its metric.
func (r *run) applySamples(ctx context.Context) error {
	r.progress("applying the sample namespaces and Deployments (%s)", SamplesDir)
	for _, obj := range r.scenario.Objects {
		if err := r.apply(ctx, obj); err != nil {
			return err
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, setupTimeout, true, func(ctx context.Context) (bool, error) {
		s, err := r.observe(ctx, -time.Nanosecond)
		if err != nil {
			return false, nil
		}
		for i, ws := range s.Workloads {
			if ws.Ready < r.scenario.Workloads[i].MinReplicas {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the sample Deployments to run: %w", err)
	}

	r.progress("applying the autoscalers: %s", strings.Join(r.workloadKeys(), ", "))
	for _, obj := range r.scenario.HPAs {
		if err := r.apply(ctx, obj); err != nil {
			return err
		}
	}
	r.hpasApplied = true
	var last Sample
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, setupTimeout, true, func(ctx context.Context) (bool, error) {
		s, err := r.observe(ctx, -time.Nanosecond)
		if err != nil {
			return false, nil // the next poll tries again
		}
		last = s
		for _, ws := range s.Workloads {
			if ws.ScalingActive != "ValidMetricFound" || !ws.HasValue {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		var waiting []string
		for i, ws := range last.Workloads {
			if ws.ScalingActive != "ValidMetricFound" || !ws.HasValue {
				waiting = append(waiting, fmt.Sprintf("%s (ScalingActive reason %q)", r.scenario.Workloads[i].Key(), ws.ScalingActive))
			}
		}
		return fmt.Errorf("waiting for the autoscalers to read their metrics: %w; not yet: %s", err, strings.Join(waiting, ", "))
	}
	r.progress("every autoscaler reads its metric; starting the load")
	return nil
}

func (r *run) workloadKeys() []string {
	keys := make([]string, len(r.scenario.Workloads))
	for i := range r.scenario.Workloads {
		keys[i] = r.scenario.Workloads[i].Key()
	}
	return keys
}

// apply applies obj with server-side apply.
func (r *run) apply(ctx context.Context, obj *unstructured.Unstructured) error {
	if err := r.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s %s: %w", obj.GetKind(), objectKey(obj), err)
	}
	return nil
}

func objectKey(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}

// runLoad runs the load for Duration: about once a second it sets the metrics and samples every
// workload, and every Refresh it prints the table.
func (r *run) runLoad(ctx context.Context, res *Result) error {
	step := min(time.Second, r.opts.SyncPeriod/2)
	ticker := r.opts.Clock.NewTicker(step)
	defer ticker.Stop()
	start := r.opts.Clock.Now()
	var lastTable time.Time
	failures := 0
	for {
		at := min(r.opts.Clock.Since(start), r.opts.Duration)
		s, err := r.observe(ctx, at)
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case err != nil:
			// The API server may be busy for a moment; a run of failures ends the demo.
			if failures++; failures >= 10 {
				return fmt.Errorf("driving the load: %w", err)
			}
		default:
			failures = 0
			res.Samples = append(res.Samples, s)
			if now := r.opts.Clock.Now(); now.Sub(lastTable) >= r.opts.Refresh || at >= r.opts.Duration {
				lastTable = now
				r.printTable(ctx, s)
			}
		}
		if at >= r.opts.Duration {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-ticker.C():
		}
	}
}

// printTable prints the live table, over the previous one when Live.
func (r *run) printTable(ctx context.Context, s Sample) {
	events, err := r.latestEvents(ctx)
	if err != nil {
		events = nil
	}
	rows := tableRows(r.scenario.Workloads, s, events, r.opts.Clock.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opts.Live && r.lines > 0 {
		fmt.Fprintf(r.opts.Out, "\x1b[%dA\x1b[J", r.lines)
	} else if !r.opts.Live {
		fmt.Fprintln(r.opts.Out)
	}
	n, _ := writeTable(r.opts.Out, tableHeader(s, r.opts.Timings), rows, r.opts.Width)
	if r.opts.Live {
		r.lines = n
	}
}

func (r *run) writePlot(res *Result) error {
	if err := os.MkdirAll(filepath.Dir(r.opts.Plot), 0o755); err != nil {
		return err
	}
	return WritePlot(r.opts.Plot, PlotInput{Workloads: r.scenario.Workloads, Samples: res.Samples, Timings: r.opts.Timings})
}

// requests records how many metrics requests each group's server received.
func (r *run) requests(ctx context.Context, res *Result) {
	for _, s := range r.serverList {
		for _, g := range s.groups {
			if n, err := s.requests(ctx, g); err == nil {
				res.Requests[g] = n
			}
		}
	}
}

// printSummary prints how each workload followed the load, where the requests went and where
// the plot is.
func (r *run) printSummary(res *Result) {
	r.progress("the load is over")
	var b strings.Builder
	fmt.Fprintf(&b, "\nReplicas of each Deployment: at the start → highest from the rise to the end of the plateau → at the end (needed at the peak):\n")
	for _, s := range Summarize(r.scenario.Workloads, r.shape, res.Samples) {
		verdict := "followed the load"
		if !s.Followed() {
			verdict = "did NOT follow the load"
		}
		fmt.Fprintf(&b, "  %-20s %d → %d → %d  (needed %d)  %s\n", s.Key, s.Start, s.Peak, s.End, s.NeededAtPeak, verdict)
	}
	fmt.Fprintf(&b, "Metrics requests per API group (each subdomain has its own server):\n")
	for _, s := range r.serverList {
		for _, g := range s.groups {
			fmt.Fprintf(&b, "  %-36s %5d  (%s)\n", g, res.Requests[g], s.name)
		}
	}
	if res.Plot != "" {
		fmt.Fprintf(&b, "\nPlot of replicas and metrics over time: %s\n", res.Plot)
	}
	fmt.Fprint(r.opts.Out, b.String())
}

// keep prints how to reach the running cluster and waits until ctx ends.
func (r *run) keep(ctx context.Context, kubeconfig string) {
	kubectl := filepath.Join(r.opts.ControlPlaneDir, "kubectl")
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe control plane, the metrics servers and mhpa-controller keep running (--keep). In another terminal:\n\n")
	fmt.Fprintf(&b, "  export KUBECONFIG=%s\n", kubeconfig)
	fmt.Fprintf(&b, "  alias kubectl=%s\n", kubectl)
	fmt.Fprintf(&b, "  kubectl get mhpa -A                       # the autoscalers (short name mhpa)\n")
	fmt.Fprintf(&b, "  kubectl get mhpa -n demo web -o yaml      # status: current metrics, conditions, last decision\n")
	fmt.Fprintf(&b, "  kubectl get events -n tenant-a --field-selector involvedObject.kind=HorizontalPodAutoscaler\n")
	fmt.Fprintf(&b, "  kubectl get apiservices | grep metrics    # one metrics server per subdomain\n")
	for _, w := range r.scenario.Workloads {
		if w.Kind == ExternalAverage {
			fmt.Fprintf(&b, "  kubectl get --raw /apis/%s/v1beta1/namespaces/%s/%s\n", w.Group, w.Namespace, w.Metric)
		}
	}
	fmt.Fprintf(&b, "  kubectl get deploy,pods -n demo\n\n")
	fmt.Fprintf(&b, "Change a metric through its server's control API and watch the autoscaler follow, e.g.:\n\n")
	for _, w := range r.scenario.Workloads {
		if w.Kind == ExternalAverage {
			srv := r.servers[w.Group]
			fmt.Fprintf(&b, "  curl -X POST %s/v1/groups/%s/external -d '{\"namespace\":%q,\"metric\":%q,\"value\":\"%s\"}'\n",
				srv.control, w.Group, w.Namespace, w.Metric, formatNumber(w.Load.Peak))
		}
	}
	fmt.Fprintf(&b, "\n  mhpa-controller metrics: %s\n", r.controllerMetrics)
	fmt.Fprintf(&b, "  logs: %s and %s\n\nPress Ctrl-C to stop everything.\n", r.logDir(), filepath.Join(r.cpDir(), "logs"))
	fmt.Fprint(r.opts.Out, b.String())
	<-ctx.Done()
	r.progress("stopping")
}

// teardown stops mhpa-controller, the metrics servers and the control plane, in that order, and
// removes etcd's data (the logs stay).
func (r *run) teardown() error {
	began := r.opts.Clock.Now()
	r.mu.Lock()
	children := r.children
	r.children = nil
	r.mu.Unlock()
	if len(children) == 0 && r.cp == nil {
		return nil
	}
	// mhpa-controller, started last, stops first; then the metrics servers, side by side.
	errs := make([]error, len(children))
	var wg sync.WaitGroup
	for i := len(children) - 1; i >= 0; i-- {
		if children[i].name == "mhpa-controller" {
			errs[i] = children[i].stop(stopGrace)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = children[i].stop(stopGrace)
		}()
	}
	wg.Wait()
	if r.cp != nil {
		errs = append(errs, r.cp.Stop())
		errs = append(errs, os.RemoveAll(filepath.Join(r.cpDir(), "etcd")))
	}
	r.progress("stopped everything the demo started in %s", roundDuration(r.opts.Clock.Since(began)))
	return errors.Join(errs...)
}
