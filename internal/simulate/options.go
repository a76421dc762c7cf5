package simulate

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mhpa-dev/mhpa/internal/cli"
	"github.com/mhpa-dev/mhpa/internal/decision"
)

// Output formats of the simulate command.
const (
	OutputTable  = "table"
	OutputCSV    = "csv"
	OutputJSON   = "json"
	OutputReplay = "replay"
	OutputNone   = "none"
)

var outputs = []string{OutputTable, OutputCSV, OutputJSON, OutputReplay, OutputNone}

// Options are the settings of the simulate command, one per flag.
type Options struct {
	// HPAFile is the autoscaler's manifest (-f).
	HPAFile string
	// CompareFiles are further manifests run on the same trace (--compare).
	CompareFiles []string
	// TraceFile is the trace (--trace).
	TraceFile string
	// Shapes are built-in load shapes (--shape), instead of a trace file.
	Shapes []string
	// Duration is how long to simulate (--duration); 0 for the whole trace.
	Duration time.Duration
	// Replicas is the replica count at the start (--replicas); -1 for max(minReplicas, 1).
	Replicas int32
	// Output is the format written to standard output (-o).
	Output string
	// Rows chooses the rows of the table (--rows).
	Rows string
	// Explain adds the decision code's explanation of each scale event to the table.
	Explain bool
	// Plots are image files to write (--plot), PNG or SVG by extension.
	Plots []string
	// Title is the plot's title (--title); empty for one naming the autoscaler and trace.
	Title string

	// SyncPeriod is the time between two decisions (the controller's
	// --horizontal-pod-autoscaler-sync-period).
	SyncPeriod time.Duration
	// DownscaleStabilization is the controller's default scale-down stabilization window.
	DownscaleStabilization time.Duration
	// Tolerance is the controller's tolerance.
	Tolerance float64
	// CPUInitializationPeriod is the controller's CPU initialization period.
	CPUInitializationPeriod time.Duration
	// InitialReadinessDelay is the controller's initial readiness delay.
	InitialReadinessDelay time.Duration

	// LoadModel is the load model, for every metric and per metric (see [ParseLoadModel]).
	LoadModel string
	// PendingTime is how long a new pod is Pending (see [Model]).
	PendingTime time.Duration
	// StartupDelay is how long a running pod takes to become ready (see [Model]).
	StartupDelay time.Duration
	// StartupUsage is what a starting pod reports, as a fraction of a ready pod's value.
	StartupUsage float64
	// MetricWindow is the window of a per-pod sample.
	MetricWindow time.Duration
	// Requests are the requests of each container of a pod, resource name to quantity.
	Requests map[string]string
}

// DefaultOptions returns the defaults of every flag: the controller's defaults and
// [DefaultModel].
func DefaultOptions() Options {
	c := decision.DefaultConfig()
	m := DefaultModel()
	req := map[string]string{}
	for name, q := range m.Requests {
		req[string(name)] = q.String()
	}
	return Options{
		Replicas:                -1,
		Output:                  OutputTable,
		Rows:                    string(RowsAll),
		SyncPeriod:              15 * time.Second,
		DownscaleStabilization:  c.DownscaleStabilizationWindow,
		Tolerance:               c.Tolerance,
		CPUInitializationPeriod: c.Readiness.CPUInitializationPeriod,
		InitialReadinessDelay:   c.Readiness.InitialReadinessDelay,
		LoadModel:               string(m.Load),
		PendingTime:             m.PendingTime,
		StartupDelay:            m.StartupDelay,
		StartupUsage:            m.StartupUsage,
		MetricWindow:            m.MetricWindow,
		Requests:                req,
	}
}

// AddFlags registers a flag for every option, with o's values as defaults.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.HPAFile, "filename", "f", o.HPAFile,
		"The HorizontalPodAutoscaler manifest to simulate (\"-\" for stdin): autoscaling.mhpa.dev/v2, v2beta2, v2beta1 or v1, or a built-in autoscaling/v2 or autoscaling/v1 one. Other documents in the file are skipped.")
	fs.StringArrayVar(&o.CompareFiles, "compare", o.CompareFiles,
		"Another HorizontalPodAutoscaler manifest to run on the same trace, side by side with -f (repeat to compare more).")
	fs.StringVar(&o.TraceFile, "trace", o.TraceFile,
		"The load: a CSV file (header \"time,<metric>,...\"), or a YAML or JSON file ({points: [{time: 0s, <metric>: <value>}, ...]}). Metrics are named by index in spec.metrics (0), name (pods/qps) or short name (qps).")
	fs.StringArrayVar(&o.Shapes, "shape", o.Shapes,
		"A built-in load shape instead of --trace: [METRIC=]KIND[:NAME=VALUE,...], KIND one of step, ramp, spike, sine, recorded (see below). Without METRIC= it feeds every metric no other --shape names.")
	fs.DurationVar(&o.Duration, "duration", o.Duration,
		"How long to simulate. Default: until the trace's last sample, or the shape's length (30m; a day for recorded).")
	fs.Int32Var(&o.Replicas, "replicas", o.Replicas,
		"The replica count at the start, all pods long ready.")
	if f := fs.Lookup("replicas"); f != nil && o.Replicas < 0 {
		f.DefValue = "max(minReplicas, 1)"
	}
	fs.StringVarP(&o.Output, "output", "o", o.Output,
		"What to write to stdout: table, csv, json, replay (the inputs and expected replica counts per tick, for replaying against a controller) or none.")
	fs.StringVar(&o.Rows, "rows", o.Rows,
		"Rows of the table: all, or changes (only ticks where something other than the time changed, and the first and last).")
	fs.BoolVar(&o.Explain, "explain", o.Explain,
		"Under each scale event of the table, explain the decision: each metric's proposal, stabilization and limits.")
	fs.StringArrayVar(&o.Plots, "plot", o.Plots,
		"Write a plot of replicas, needed and desired replicas and each metric against its target over time, with scale events marked: a .png or .svg file (repeat for both).")
	fs.StringVar(&o.Title, "title", o.Title, "Title of the plot. Default: the autoscaler and the trace.")

	fs.DurationVar(&o.SyncPeriod, "sync-period", o.SyncPeriod,
		"The time between two decisions: the controller's --horizontal-pod-autoscaler-sync-period.")
	fs.DurationVar(&o.DownscaleStabilization, "downscale-stabilization", o.DownscaleStabilization,
		"The scale-down stabilization window of autoscalers without spec.behavior.scaleDown.stabilizationWindowSeconds: the controller's --horizontal-pod-autoscaler-downscale-stabilization.")
	fs.Float64Var(&o.Tolerance, "tolerance", o.Tolerance,
		"The tolerance around a usage ratio of 1, which spec.behavior's tolerance overrides per direction: the controller's --horizontal-pod-autoscaler-tolerance.")
	fs.DurationVar(&o.CPUInitializationPeriod, "cpu-initialization-period", o.CPUInitializationPeriod,
		"After a pod starts, its CPU samples count only once it is ready and the sample was taken after that: the controller's --horizontal-pod-autoscaler-cpu-initialization-period.")
	fs.DurationVar(&o.InitialReadinessDelay, "initial-readiness-delay", o.InitialReadinessDelay,
		"After a pod starts, readiness changes within this delay count as the pod still starting: the controller's --horizontal-pod-autoscaler-initial-readiness-delay.")

	fs.StringVar(&o.LoadModel, "load-model", o.LoadModel,
		"How trace values become metric values: shared (a value is the total demand, shared by the ready pods, so the load per pod falls as pods are added) or fixed (a value is what the metric reports, per pod for per-pod metrics, whatever the pod count). Per metric: e.g. shared,p95_latency_ms=fixed.")
	fs.DurationVar(&o.PendingTime, "pod-pending-time", o.PendingTime,
		"How long a new pod is Pending (scheduling, image pull) before it runs; pending pods report no metrics.")
	fs.DurationVar(&o.StartupDelay, "pod-startup-delay", o.StartupDelay,
		"How long a running pod takes to become ready; until then it gets no share of the load.")
	fs.Float64Var(&o.StartupUsage, "pod-startup-usage", o.StartupUsage,
		"What a running pod that is not ready yet reports, as a fraction of a ready pod's value (e.g. 1.5 for a JVM warming up).")
	fs.DurationVar(&o.MetricWindow, "metric-window", o.MetricWindow,
		"The window of each per-pod sample (metrics-server's scrape window); a CPU sample counts only once the pod has been ready that long.")
	fs.StringToStringVar(&o.Requests, "pod-requests", o.Requests,
		"Resource requests of each container of a pod, which utilization targets are relative to, e.g. cpu=500m,memory=1Gi.")
}

// Streams are the standard streams of a command.
type Streams struct {
	// In is standard input, read for "-" as a file name.
	In io.Reader
	// Out receives the output.
	Out io.Writer
	// ErrOut receives notes about files written.
	ErrOut io.Writer
}

// Execute runs the simulate command with these options.
func (o *Options) Execute(s Streams) error {
	runs, err := o.Simulate(s.In)
	if err != nil {
		return err
	}
	return o.Write(s, runs)
}

// Simulate reads the manifests and the trace, and runs each autoscaler on the trace.
func (o *Options) Simulate(stdin io.Reader) ([]*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	model, err := o.model()
	if err != nil {
		return nil, err
	}
	files := append([]string{o.HPAFile}, o.CompareFiles...)
	var hpas []*cli.HPA
	for _, f := range files {
		h, err := cli.ReadHPA(f, stdin)
		if err != nil {
			return nil, err
		}
		hpas = append(hpas, h)
	}
	first := Metrics(&hpas[0].Object.Spec)
	var trace *Trace
	if o.TraceFile != "" {
		if trace, err = ReadTrace(o.TraceFile, stdin); err != nil {
			return nil, err
		}
	} else {
		shapes := make([]*Shape, 0, len(o.Shapes))
		for _, spec := range o.Shapes {
			s, err := ParseShape(spec)
			if err != nil {
				return nil, fmt.Errorf("--shape: %w", err)
			}
			shapes = append(shapes, s)
		}
		if trace, err = ShapesTrace(shapes, first, o.SyncPeriod, o.Duration); err != nil {
			return nil, fmt.Errorf("--shape: %w", err)
		}
	}
	names := runNames(files)
	runs := make([]*Result, 0, len(hpas))
	for i, h := range hpas {
		sc := &Scenario{
			Name:            names[i],
			Source:          h.Source + ", " + h.APIVersion,
			HPA:             h.Object,
			Trace:           trace,
			Model:           model,
			Config:          o.config(),
			SyncPeriod:      o.SyncPeriod,
			InitialReplicas: o.Replicas,
			Duration:        o.Duration,
		}
		if sc.InitialReplicas < 0 {
			sc.InitialReplicas = max(1, *h.Object.Spec.MinReplicas)
		}
		r, err := Run(sc)
		if err != nil {
			return nil, fmt.Errorf("simulating %s: %w", h.Source, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// Write writes the runs in the chosen output format and the plots.
func (o *Options) Write(s Streams, runs []*Result) error {
	rows := TableOptions{Rows: Rows(o.Rows), Explain: o.Explain}
	var err error
	switch o.Output {
	case OutputTable:
		if len(runs) == 1 {
			err = WriteTable(s.Out, runs[0], rows)
		} else {
			err = WriteCompareTable(s.Out, runs, rows)
		}
	case OutputCSV:
		err = WriteCSV(s.Out, runs)
	case OutputJSON:
		err = WriteJSON(s.Out, runs)
	case OutputReplay:
		err = WriteReplay(s.Out, runs[0])
	}
	if err != nil {
		return err
	}
	for _, p := range o.Plots {
		if err := WritePlot(p, runs, PlotOptions{Title: o.Title}); err != nil {
			return err
		}
		if s.ErrOut != nil {
			fmt.Fprintf(s.ErrOut, "wrote %s\n", p)
		}
	}
	return nil
}

// runNames names each run after its file, made unique.
func runNames(files []string) []string {
	names := make([]string, len(files))
	for i, f := range files {
		n := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		if f == "-" {
			n = "stdin"
		}
		if slices.Contains(names[:i], n) {
			n = fmt.Sprintf("%s#%d", n, i+1)
		}
		names[i] = n
	}
	return names
}

func (o *Options) validate() error {
	switch {
	case o.HPAFile == "":
		return errors.New("-f/--filename is required: the HorizontalPodAutoscaler manifest to simulate")
	case o.TraceFile == "" && len(o.Shapes) == 0:
		return errors.New("no load given: use --trace FILE or --shape KIND:... (for example --shape step:from=2,to=8,at=5m)")
	case o.TraceFile != "" && len(o.Shapes) > 0:
		return errors.New("--trace and --shape both given: use one of them")
	case o.SyncPeriod <= 0:
		return fmt.Errorf("--sync-period=%s: must be more than 0", o.SyncPeriod)
	case o.Duration < 0:
		return fmt.Errorf("--duration=%s: must not be negative", o.Duration)
	case o.Replicas < -1:
		return fmt.Errorf("--replicas=%d: must not be negative", o.Replicas)
	case o.Tolerance < 0:
		return fmt.Errorf("--tolerance=%g: must not be negative", o.Tolerance)
	case o.StartupUsage < 0:
		return fmt.Errorf("--pod-startup-usage=%g: must not be negative", o.StartupUsage)
	case o.PendingTime < 0 || o.StartupDelay < 0 || o.MetricWindow < 0:
		return errors.New("--pod-pending-time, --pod-startup-delay and --metric-window must not be negative")
	case o.DownscaleStabilization < 0 || o.CPUInitializationPeriod < 0 || o.InitialReadinessDelay < 0:
		return errors.New("--downscale-stabilization, --cpu-initialization-period and --initial-readiness-delay must not be negative")
	}
	stdin := 0
	for _, f := range append([]string{o.HPAFile, o.TraceFile}, o.CompareFiles...) {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return errors.New("standard input (\"-\") can be read once: give the other files by name")
	}
	if !slices.Contains(outputs, o.Output) {
		return fmt.Errorf("-o/--output=%q: must be one of %s", o.Output, strings.Join(outputs, ", "))
	}
	if o.Output == OutputReplay && len(o.CompareFiles) > 0 {
		return errors.New("-o replay describes one run: leave out --compare")
	}
	if o.Rows != string(RowsAll) && o.Rows != string(RowsChanges) {
		return fmt.Errorf("--rows=%q: must be %s or %s", o.Rows, RowsAll, RowsChanges)
	}
	for _, p := range o.Plots {
		if _, err := plotFormat(p); err != nil {
			return fmt.Errorf("--plot=%s: %w", p, err)
		}
	}
	return nil
}

func (o *Options) config() decision.Config {
	c := decision.DefaultConfig()
	c.Tolerance = o.Tolerance
	c.DownscaleStabilizationWindow = o.DownscaleStabilization
	c.Readiness.CPUInitializationPeriod = o.CPUInitializationPeriod
	c.Readiness.InitialReadinessDelay = o.InitialReadinessDelay
	return c
}

func (o *Options) model() (Model, error) {
	load, perMetric, err := ParseLoadModel(o.LoadModel)
	if err != nil {
		return Model{}, fmt.Errorf("--load-model: %w", err)
	}
	m := Model{
		Load:         load,
		MetricLoad:   perMetric,
		PendingTime:  o.PendingTime,
		StartupDelay: o.StartupDelay,
		StartupUsage: o.StartupUsage,
		MetricWindow: o.MetricWindow,
		Requests:     corev1.ResourceList{},
	}
	for name, v := range o.Requests {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return m, fmt.Errorf("--pod-requests: %s=%q is not a quantity: give one like 500m, 2 or 1Gi", name, v)
		}
		if q.Sign() <= 0 {
			return m, fmt.Errorf("--pod-requests: %s=%s must be more than 0", name, v)
		}
		m.Requests[corev1.ResourceName(name)] = q
	}
	return m, nil
}

// ParseLoadModel parses a load model setting: a model ("shared" or "fixed") for every metric,
// and models for single metrics as METRIC=MODEL, separated by commas, for example
// "shared,p95_latency_ms=fixed". Without a model for every metric, it is shared.
func ParseLoadModel(s string) (LoadModel, map[string]LoadModel, error) {
	def := LoadShared
	var per map[string]LoadModel
	seenDefault := false
	check := func(v string) (LoadModel, error) {
		l := LoadModel(strings.TrimSpace(v))
		if l != LoadShared && l != LoadFixed {
			return "", fmt.Errorf("%q is not a load model: use %s or %s, for every metric or as METRIC=MODEL", v, LoadShared, LoadFixed)
		}
		return l, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		metric, model, ok := strings.Cut(item, "=")
		if !ok {
			if seenDefault {
				return "", nil, fmt.Errorf("%q: two models for every metric: give one, and METRIC=MODEL for single metrics", s)
			}
			l, err := check(item)
			if err != nil {
				return "", nil, err
			}
			def, seenDefault = l, true
			continue
		}
		l, err := check(model)
		if err != nil {
			return "", nil, err
		}
		metric = strings.TrimSpace(metric)
		if metric == "" {
			return "", nil, fmt.Errorf("%q: no metric before \"=\": write METRIC=MODEL", item)
		}
		if per == nil {
			per = map[string]LoadModel{}
		}
		per[metric] = l
	}
	return def, per, nil
}
