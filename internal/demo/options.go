package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/utils/clock"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
)

// Module is the Go module whose checkout the demo runs in.
const Module = "github.com/mhpa-dev/mhpa"

// Timings are the times of a run: how long the load lasts and how fast the cluster reacts.
type Timings struct {
	// Duration is how long the load shape runs.
	Duration time.Duration
	// SyncPeriod is mhpa-controller's --horizontal-pod-autoscaler-sync-period.
	SyncPeriod time.Duration
	// DownscaleStabilization is mhpa-controller's
	// --horizontal-pod-autoscaler-downscale-stabilization.
	DownscaleStabilization time.Duration
	// Refresh is how often the live table is printed.
	Refresh time.Duration
	// PodStartup is how long a new pod takes to become Ready.
	PodStartup time.Duration
}

// FullTimings are the timings of a normal run: a few minutes.
func FullTimings() Timings {
	return Timings{Duration: 4 * time.Minute, SyncPeriod: 5 * time.Second, DownscaleStabilization: 30 * time.Second,
		Refresh: 3 * time.Second, PodStartup: 3 * time.Second}
}

// ShortTimings are the timings of --short: about a minute of load, a faster sync.
func ShortTimings() Timings {
	return Timings{Duration: time.Minute, SyncPeriod: 2 * time.Second, DownscaleStabilization: 6 * time.Second,
		Refresh: 2 * time.Second, PodStartup: time.Second}
}

// Options configure Run; each has a flag (AddFlags) but Out, Live, Width, Clock and
// ExtraControllerArgs.
type Options struct {
	Timings
	// Short selects ShortTimings for every timing not set by a flag.
	Short bool
	// Keep leaves the control plane, the metrics servers and mhpa-controller running after the
	// load, prints a kubeconfig and kubectl commands, and waits until the context ends (Ctrl-C).
	Keep bool

	// RepoRoot is the checkout: manifests are read from it, binaries built in it. Default: the
	// directory holding the module's go.mod, from the working directory up.
	RepoRoot string
	// BinDir is where mhpa-controller and mhpa-fake-metrics are built. Default RepoRoot/bin.
	BinDir string
	// ControlPlaneDir holds etcd, kube-apiserver, kube-controller-manager and kubectl; missing
	// ones are built by hack/controlplane/build.sh. Default controlplane.DefaultBinDir().
	ControlPlaneDir string
	// WorkDir holds the control plane's certificates, kubeconfig and logs and the processes'
	// logs; it is emptied at the start. Default RepoRoot/_output/demo.
	WorkDir string
	// Plot is the PNG (or SVG) file the plot is written to. Default WorkDir/mhpa-demo.png.
	Plot string
	// SkipBuild uses the binaries as they are, failing if one is missing.
	SkipBuild bool

	// Out receives progress lines and the live table. Default os.Stdout.
	Out io.Writer
	// Live redraws the table in place (a terminal) instead of printing it again each time.
	Live bool
	// Width cuts the table's lines to this many characters, so that a terminal does not wrap
	// them (which would spoil the redraw); 0 keeps them whole.
	Width int
	// Clock drives the load and the samples. Default the real clock.
	Clock clock.WithTicker
	// ExtraControllerArgs are appended to mhpa-controller's flags.
	ExtraControllerArgs []string
}

// AddFlags registers a flag for every option but Out, Live, Width, Clock and
// ExtraControllerArgs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	full := FullTimings()
	short := ShortTimings()
	fs.DurationVar(&o.Duration, "duration", full.Duration, fmt.Sprintf("How long the load runs: baseline, rise, plateau, fall, calm (%v with --short).", short.Duration))
	fs.BoolVar(&o.Short, "short", o.Short, "A short run: about a minute of load with faster syncs and a shorter scale-down window (what the tests run).")
	fs.DurationVar(&o.SyncPeriod, "sync-period", full.SyncPeriod, fmt.Sprintf("mhpa-controller's --horizontal-pod-autoscaler-sync-period (%v with --short).", short.SyncPeriod))
	fs.DurationVar(&o.DownscaleStabilization, "downscale-stabilization", full.DownscaleStabilization, fmt.Sprintf("mhpa-controller's --horizontal-pod-autoscaler-downscale-stabilization: how long replicas stay up after the load falls (%v with --short).", short.DownscaleStabilization))
	fs.DurationVar(&o.Refresh, "refresh", full.Refresh, fmt.Sprintf("How often the table is refreshed (%v with --short).", short.Refresh))
	fs.DurationVar(&o.PodStartup, "pod-startup", full.PodStartup, fmt.Sprintf("How long a new pod takes to become Ready (%v with --short).", short.PodStartup))
	fs.BoolVar(&o.Keep, "keep", o.Keep, "Keep the control plane, the metrics servers and mhpa-controller running after the load; print a kubeconfig and kubectl commands, and wait for Ctrl-C.")
	fs.StringVar(&o.RepoRoot, "repo", o.RepoRoot, "The mhpa checkout (manifests are read and binaries built there). Default: found from the working directory up.")
	fs.StringVar(&o.BinDir, "bin-dir", o.BinDir, "Where mhpa-controller and mhpa-fake-metrics are built. Default: <repo>/bin.")
	fs.StringVar(&o.ControlPlaneDir, "controlplane-dir", o.ControlPlaneDir, "Where etcd, kube-apiserver, kube-controller-manager and kubectl are (built there when missing). Default: $"+controlplane.BinDirEnv+" or ~/.cache/mhpa/controlplane/"+controlplane.KubernetesVersion+".")
	fs.StringVar(&o.WorkDir, "work-dir", o.WorkDir, "Directory for the control plane's kubeconfig, certificates and logs (controlplane/) and the processes' logs (logs/), both emptied at the start. Default: <repo>/_output/demo.")
	fs.StringVar(&o.Plot, "plot", o.Plot, "The plot to write: a .png or .svg file. Default: <work-dir>/mhpa-demo.png.")
	fs.BoolVar(&o.SkipBuild, "skip-build", o.SkipBuild, "Do not build anything; use the binaries as they are.")
}

// ApplyShort fills in ShortTimings, if Short is set, for each timing whose flag changed does
// not report as given on the command line.
func (o *Options) ApplyShort(changed func(flag string) bool) {
	if !o.Short {
		return
	}
	short := ShortTimings()
	set := func(flag string, p *time.Duration, v time.Duration) {
		if !changed(flag) {
			*p = v
		}
	}
	set("duration", &o.Duration, short.Duration)
	set("sync-period", &o.SyncPeriod, short.SyncPeriod)
	set("downscale-stabilization", &o.DownscaleStabilization, short.DownscaleStabilization)
	set("refresh", &o.Refresh, short.Refresh)
	set("pod-startup", &o.PodStartup, short.PodStartup)
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	zero := Timings{}
	if o.Timings == zero {
		o.Timings = FullTimings()
		if o.Short {
			o.Timings = ShortTimings()
		}
	}
	var errs []error
	positive := map[string]time.Duration{"--duration": o.Duration, "--sync-period": o.SyncPeriod, "--refresh": o.Refresh}
	for _, name := range []string{"--duration", "--sync-period", "--refresh"} {
		if positive[name] <= 0 {
			errs = append(errs, fmt.Errorf("%s: invalid value %v: must be positive", name, positive[name]))
		}
	}
	if o.DownscaleStabilization < 0 {
		errs = append(errs, fmt.Errorf("--downscale-stabilization: invalid value %v: must not be negative", o.DownscaleStabilization))
	}
	if o.PodStartup < 0 {
		errs = append(errs, fmt.Errorf("--pod-startup: invalid value %v: must not be negative", o.PodStartup))
	}
	if o.Duration > 0 && o.Duration < 20*o.SyncPeriod {
		errs = append(errs, fmt.Errorf("--duration: invalid value %v: must be at least 20 sync periods (%v) for the autoscalers to follow the load", o.Duration, 20*o.SyncPeriod))
	}
	if o.Plot != "" && !strings.HasSuffix(strings.ToLower(o.Plot), ".png") && !strings.HasSuffix(strings.ToLower(o.Plot), ".svg") {
		errs = append(errs, fmt.Errorf("--plot: invalid value %q: must end in .png or .svg", o.Plot))
	}
	if err := errors.Join(errs...); err != nil {
		return o, err
	}
	if o.RepoRoot == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, err
		}
		root, err := FindRepoRoot(wd)
		if err != nil {
			return o, err
		}
		o.RepoRoot = root
	}
	var err error
	if o.RepoRoot, err = filepath.Abs(o.RepoRoot); err != nil {
		return o, err
	}
	if o.BinDir == "" {
		o.BinDir = filepath.Join(o.RepoRoot, "bin")
	}
	if o.ControlPlaneDir == "" {
		o.ControlPlaneDir = controlplane.DefaultBinDir()
	}
	if o.WorkDir == "" {
		o.WorkDir = filepath.Join(o.RepoRoot, "_output", "demo")
	}
	if o.Plot == "" {
		o.Plot = filepath.Join(o.WorkDir, "mhpa-demo.png")
	}
	for _, p := range []*string{&o.BinDir, &o.ControlPlaneDir, &o.WorkDir, &o.Plot} {
		if *p, err = filepath.Abs(*p); err != nil {
			return o, err
		}
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return o, nil
}

// FindRepoRoot returns the first directory from dir up that holds the go.mod of Module.
func FindRepoRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(data)), "module "+Module) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no checkout of %s in %s or above it: run the demo in the repository (make demo) or pass --repo", Module, dir)
		}
	}
}
