package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
)

// logTailLines is how many lines of each process log a failed test prints.
const logTailLines = 40

// StartControlPlane starts a control plane for the test and stops it when the test ends
// (t.Cleanup). If the test failed by then, the end of each process log is printed first.
// Missing binaries fail the test with a message saying to run `make controlplane`; nothing
// is skipped. Progress lines go to t.Log unless opts.Log is set.
func StartControlPlane(t testing.TB, opts controlplane.Options) *controlplane.ControlPlane {
	t.Helper()
	if opts.Log == nil {
		opts.Log = logWriter{t}
	}
	cp, err := controlplane.Start(t.Context(), opts)
	if errors.Is(err, controlplane.ErrBinariesMissing) {
		t.Fatalf("%v\n(looked in %s; set %s to use another directory)", err,
			binDir(opts), controlplane.BinDirEnv)
	}
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("control plane logs (dir %s):\n%s", cp.Dir(), cp.LogTail(logTailLines))
		}
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	return cp
}

func binDir(opts controlplane.Options) string {
	if opts.BinDir != "" {
		return opts.BinDir
	}
	return controlplane.DefaultBinDir()
}

// logWriter writes each line to t.Log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Clientset returns a clientset for cfg with client-side rate limits raised (QPS 100,
// burst 200) where cfg leaves them unset, so test steps are not throttled.
func Clientset(t testing.TB, cfg *rest.Config) *kubernetes.Clientset {
	t.Helper()
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS = 100
	}
	if cfg.Burst == 0 {
		cfg.Burst = 200
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("creating a clientset for %s: %v", cfg.Host, err)
	}
	return cs
}

// AdminClient returns a clientset for the control plane's admin user (see Clientset).
func AdminClient(t testing.TB, cp *controlplane.ControlPlane) *kubernetes.Clientset {
	t.Helper()
	return Clientset(t, cp.AdminConfig())
}

// describe is used by wait helpers to name what they waited for.
func describe(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Main runs a package's tests on one shared control plane, for packages whose tests can share
// a cluster (each in its own namespace). Call it from TestMain:
//
//	var cp *controlplane.ControlPlane
//
//	func TestMain(m *testing.M) { os.Exit(framework.Main(m, controlplane.Options{}, &cp)) }
//
// It starts the control plane, stores it in *cp, runs the tests, prints the end of each process
// log if they failed, stops the control plane and returns the exit code for os.Exit.
func Main(m *testing.M, opts controlplane.Options, cp **controlplane.ControlPlane) int {
	ctx, cancel := context.WithTimeout(context.Background(), controlplane.DefaultStartTimeout)
	defer cancel()
	started, err := controlplane.Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the control plane: %v\n", err)
		return 1
	}
	*cp = started
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "control plane logs (dir %s):\n%s", started.Dir(), started.LogTail(logTailLines))
	}
	if err := started.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
