package demo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// controlPlaneBinaries are built by hack/controlplane/build.sh.
var controlPlaneBinaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"}

// demoBinaries are the programs the demo runs, built from cmd/ into BinDir.
var demoBinaries = []string{"mhpa-controller", "mhpa-fake-metrics"}

// build builds what is missing: the control plane binaries (with the build script's progress),
// then mhpa-controller and mhpa-fake-metrics (go build, which keeps binaries that are up to
// date). With SkipBuild it only checks that every binary is there.
func (r *run) build(ctx context.Context) error {
	missing := missingBinaries(r.opts.ControlPlaneDir, controlPlaneBinaries)
	if r.opts.SkipBuild {
		missing = append(missing, missingBinaries(r.opts.BinDir, demoBinaries)...)
		if len(missing) > 0 {
			return fmt.Errorf("--skip-build: missing %s: run without --skip-build to build them", strings.Join(missing, ", "))
		}
		return nil
	}
	if len(missing) > 0 {
		r.progress("building the control plane (%s) into %s, once: a cold build of all four takes about 6 minutes on 2 cores",
			strings.Join(missing, ", "), r.opts.ControlPlaneDir)
		began := r.opts.Clock.Now()
		cmd := exec.CommandContext(ctx, filepath.Join(r.opts.RepoRoot, "hack", "controlplane", "build.sh"))
		cmd.Dir = r.opts.RepoRoot
		cmd.Env = append(os.Environ(), "MHPA_CONTROLPLANE_DIR="+r.opts.ControlPlaneDir)
		if err := r.runTool(cmd); err != nil {
			return fmt.Errorf("building the control plane (hack/controlplane/build.sh): %w", err)
		}
		r.progress("built the control plane in %s", roundDuration(r.opts.Clock.Since(began)))
	} else {
		r.progress("control plane %s: up to date in %s", strings.Join(controlPlaneBinaries, ", "), r.opts.ControlPlaneDir)
	}

	r.progress("building %s into %s (go build; binaries that are up to date are kept)", strings.Join(demoBinaries, " and "), r.opts.BinDir)
	began := r.opts.Clock.Now()
	if err := os.MkdirAll(r.opts.BinDir, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-o", r.opts.BinDir + string(filepath.Separator)}
	for _, b := range demoBinaries {
		args = append(args, "./cmd/"+b)
	}
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = r.opts.RepoRoot
	if err := r.runTool(cmd); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	r.progress("%s ready in %s", strings.Join(demoBinaries, " and "), roundDuration(r.opts.Clock.Since(began)))
	return nil
}

// runTool runs a build command, passing each line it prints on to the progress output.
func (r *run) runTool(cmd *exec.Cmd) error {
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = io.Discard, pw
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.progress("  %s", sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	return err
}

// goTool returns the go command: go from $PATH, else the one of $GOROOT.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); isExecutable(p) {
			return p
		}
	}
	return "go"
}

func missingBinaries(dir string, names []string) []string {
	var out []string
	for _, n := range names {
		if !isExecutable(filepath.Join(dir, n)) {
			out = append(out, n)
		}
	}
	return out
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// roundDuration rounds d for progress lines: tenths of seconds below a minute.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
