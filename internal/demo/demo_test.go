package demo

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir is where the tests build mhpa-controller and mhpa-fake-metrics: once, by the first
// run's build step; later runs find them up to date.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mhpa-demo-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// output collects what a run prints and calls onLine for each line, under a lock: Run writes
// from more than one goroutine.
type output struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	onLine func(line string)
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.onLine != nil {
		for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
			o.onLine(line)
		}
	}
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// shortOptions are the options of a test run: --short, with the binaries in binDir and
// everything else in a temporary directory.
func shortOptions(t *testing.T, out *output) Options {
	dir := t.TempDir()
	return Options{Short: true, BinDir: binDir, WorkDir: dir, Plot: filepath.Join(dir, "demo.png"), Out: out}
}

// checkNothingLeft fails the test if a process the run started is still a child of the test,
// and checks that the run did start the processes it should have.
func checkNothingLeft(t *testing.T, res *Result, want ...string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Logf("processes are only listed on Linux; not checked on %s", runtime.GOOS)
		return
	}
	if left := Children(os.Getpid()); len(left) > 0 {
		t.Errorf("processes left running after Run returned: %v", left)
	}
	var names []string
	for _, p := range res.Processes {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	sort.Strings(want)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("the run had started %v, want %v", names, want)
	}
}

// TestDemoShort runs the demo end to end in its short mode: a real control plane, two metrics
// server processes, the mhpa-controller binary. Each autoscaler must have raised its
// Deployment's replicas during the rise and plateau and lowered them after, reading metrics
// from its own metrics server; the plot must be a PNG; nothing may be left running.
func TestDemoShort(t *testing.T) {
	out := &output{}
	opts := shortOptions(t, out)
	began := time.Now()
	res, err := Run(t.Context(), opts)
	t.Logf("the short demo took %s", time.Since(began).Round(time.Second))
	if err != nil {
		t.Fatalf("Run: %v\noutput:\n%s", err, out)
	}
	if t.Failed() {
		return
	}
	defer func() {
		if t.Failed() {
			t.Logf("output:\n%s", out)
		}
	}()
	checkNothingLeft(t, res, "etcd", "kube-apiserver", "kube-controller-manager", "mhpa-controller", "mhpa-fake-metrics", "mhpa-fake-metrics")

	if len(res.Samples) < int(opts.Duration/time.Second)/2 {
		t.Errorf("%d samples over %v: want about one a second", len(res.Samples), opts.Duration)
	}
	for _, s := range Summarize(res.Workloads, res.Shape, res.Samples) {
		if s.Peak <= s.Start {
			t.Errorf("%s: replicas did not rise with the load: %d at the start, at most %d during the rise and plateau (the load needs %d)", s.Key, s.Start, s.Peak, s.NeededAtPeak)
		}
		if s.End >= s.Peak {
			t.Errorf("%s: replicas did not fall after the load: %d at the peak, %d at the end", s.Key, s.Peak, s.End)
		}
	}
	// Each autoscaler read its metric from the server of its subdomain, never the default one
	// for tenant-a.
	for _, g := range []string{"metrics.k8s.io", "external.metrics.k8s.io", "tenant-a.external.metrics.k8s.io"} {
		if res.Requests[g] == 0 {
			t.Errorf("the metrics server of %s received no requests: %v", g, res.Requests)
		}
	}

	if res.Plot != opts.Plot {
		t.Errorf("Result.Plot = %q, want %q", res.Plot, opts.Plot)
	}
	f, err := os.Open(opts.Plot)
	if err != nil {
		t.Fatalf("the plot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the plot %s is not a PNG: %v", opts.Plot, err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 1000 {
		t.Errorf("the plot is %dx%d pixels, want at least 1000x1000", b.Dx(), b.Dy())
	}

	text := out.String()
	for _, want := range []string{
		"starting the control plane", "starting metrics server metrics-tenant-a (mhpa-fake-metrics) for tenant-a.external.metrics.k8s.io",
		"HPA                SUBDOMAIN  METRIC", "tenant-a/checkout  tenant-a   requests_per_second",
		"Plot of replicas and metrics over time: " + opts.Plot, "stopped everything the demo started",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output has no %q", want)
		}
	}
	if strings.Contains(text, "did NOT follow the load") {
		t.Errorf("the summary says a Deployment did not follow the load")
	}
}

// TestDemoInterrupted ends a run (as Ctrl-C does) once the load has started: Run must return an
// interrupted error, still write the plot of what it recorded, and leave nothing running.
func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tables := 0
	out := &output{onLine: func(line string) {
		if strings.HasPrefix(line, "mhpa demo · ") {
			if tables++; tables == 3 {
				cancel()
			}
		}
	}}
	opts := shortOptions(t, out)
	res, err := Run(ctx, opts)
	if !IsInterrupted(err) {
		t.Fatalf("Run: %v, want an interrupted run\noutput:\n%s", err, out)
	}
	checkNothingLeft(t, res, "etcd", "kube-apiserver", "kube-controller-manager", "mhpa-controller", "mhpa-fake-metrics", "mhpa-fake-metrics")
	if len(res.Samples) == 0 || res.Plot == "" {
		t.Fatalf("an interrupted run recorded %d samples and wrote plot %q; want the plot of what it saw", len(res.Samples), res.Plot)
	}
	if _, err := os.Stat(res.Plot); err != nil {
		t.Errorf("the plot of the interrupted run: %v", err)
	}
}

// TestDemoFailure makes mhpa-controller fail at its start: Run must say so, with the end of its
// log, and stop the control plane and the metrics servers it had started.
func TestDemoFailure(t *testing.T) {
	out := &output{}
	opts := shortOptions(t, out)
	opts.ExtraControllerArgs = []string{"--horizontal-pod-autoscaler-tolerance=-1"}
	res, err := Run(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "mhpa-controller exited") || !strings.Contains(err.Error(), "--horizontal-pod-autoscaler-tolerance") {
		t.Fatalf("Run: %v, want mhpa-controller's exit with its reason\noutput:\n%s", err, out)
	}
	if IsInterrupted(err) {
		t.Errorf("a failed run reports itself as interrupted: %v", err)
	}
	checkNothingLeft(t, res, "etcd", "kube-apiserver", "kube-controller-manager", "mhpa-fake-metrics", "mhpa-fake-metrics")
	if res.Plot != "" {
		t.Errorf("a run that failed before the load wrote a plot: %s", res.Plot)
	}
}
