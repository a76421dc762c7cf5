package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/mhpa-dev/mhpa/internal/install"
)

// controllerStartTimeout bounds the wait for mhpa-controller to be healthy and its webhooks to
// work.
const controllerStartTimeout = 2 * time.Minute

// startController runs mhpa-controller (the HPA controller and the webhooks) on loopback: the
// API server calls its webhooks at https://localhost:<port>, and it points the CRD's conversion
// and the webhook configurations there itself, with its own CA. It returns once the API server
// converts, defaults and validates through it.
func (r *run) startController(ctx context.Context, kubeconfig string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	webhook, metrics, health := ports[0], ports[1], ports[2]
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--webhook-host=127.0.0.1",
		"--webhook-port=" + strconv.Itoa(webhook),
		"--webhook-url=https://localhost:" + strconv.Itoa(webhook),
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(metrics),
		"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(health),
		"--horizontal-pod-autoscaler-sync-period=" + r.opts.SyncPeriod.String(),
		"--horizontal-pod-autoscaler-downscale-stabilization=" + r.opts.DownscaleStabilization.String(),
		// Fetched values are reused within a sync, never across syncs.
		"--metrics-freshness=" + (r.opts.SyncPeriod / 2).String(),
	}
	args = append(args, r.opts.ExtraControllerArgs...)
	proc, err := startChild("mhpa-controller", filepath.Join(r.opts.BinDir, "mhpa-controller"), args, filepath.Join(r.logDir(), "mhpa-controller.log"))
	if err != nil {
		return err
	}
	r.addChild(proc)
	r.controllerMetrics = "http://127.0.0.1:" + strconv.Itoa(metrics) + "/metrics"

	healthz := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(health)) + "/readyz"
	client := &http.Client{Timeout: 5 * time.Second}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, controllerStartTimeout, true, func(ctx context.Context) (bool, error) {
		if proc.exited() {
			return false, proc.exitError()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthz, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for mhpa-controller to be ready: %w", err)
	}
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-proc.done:
			cancel()
		case <-waitCtx.Done():
		}
	}()
	if err := install.WaitForWebhooks(waitCtx, r.kube, r.dynamic, controllerStartTimeout); err != nil {
		if proc.exited() {
			return proc.exitError()
		}
		return fmt.Errorf("mhpa-controller: %w; see %s", err, proc.logPath)
	}
	return nil
}
