package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
)

// metricsServerStartTimeout bounds the wait for a metrics server to serve and register.
const metricsServerStartTimeout = 3 * time.Minute

// metricsServer is a running mhpa-fake-metrics process and a client of its control API.
type metricsServer struct {
	name    string
	groups  []string
	control string // http://127.0.0.1:<port>
	proc    *child
	http    *http.Client
}

// startMetricsServer runs mhpa-fake-metrics serving groups, registered in the cluster of
// kubeconfig, and waits until its control API answers, which it starts once the APIServices
// are available.
func (r *run) startMetricsServer(ctx context.Context, name string, groups []string, kubeconfig string) (*metricsServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	control := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--control-address=" + control,
		"--service-name=" + name,
		// The reported window: what a metrics pipeline scraping once per sync would report.
		"--window=" + r.opts.SyncPeriod.String(),
	}
	for _, g := range groups {
		args = append(args, "--group="+g)
	}
	proc, err := startChild(name, filepath.Join(r.opts.BinDir, "mhpa-fake-metrics"), args, filepath.Join(r.logDir(), name+".log"))
	if err != nil {
		return nil, err
	}
	m := &metricsServer{name: name, groups: groups, control: "http://" + control, proc: proc, http: &http.Client{Timeout: 10 * time.Second}}
	r.addChild(proc)
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, metricsServerStartTimeout, true, func(ctx context.Context) (bool, error) {
		if proc.exited() {
			return false, proc.exitError()
		}
		return m.get(ctx, "/v1/server") == nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("starting metrics server %s: %w", name, err)
	}
	return m, nil
}

// setExternal sets an external metric's value.
func (m *metricsServer) setExternal(ctx context.Context, group string, metric fakemetrics.ExternalMetric) error {
	return m.send(ctx, http.MethodPost, "/v1/groups/"+url.PathEscape(group)+"/external", metric)
}

// setPodRule sets the usage of every Running pod a rule selects.
func (m *metricsServer) setPodRule(ctx context.Context, group, name string, rule fakemetrics.PodRule) error {
	return m.send(ctx, http.MethodPut, "/v1/groups/"+url.PathEscape(group)+"/rules/"+url.PathEscape(name), rule)
}

// requests returns how many metrics requests a group has received.
func (m *metricsServer) requests(ctx context.Context, group string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.control+"/v1/groups/"+url.PathEscape(group)+"/requests", nil)
	if err != nil {
		return 0, err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Requests int64 `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, fmt.Errorf("%s: requests of %s: %w", m.name, group, err)
	}
	return out.Requests, nil
}

func (m *metricsServer) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.control+path, nil)
	if err != nil {
		return err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: GET %s: %s", m.name, path, resp.Status)
	}
	return nil
}

func (m *metricsServer) send(ctx context.Context, method, path string, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, m.control+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := m.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s %s: %w", m.name, method, path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %s %s: %s: %s", m.name, method, path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// freePort returns a TCP port free on 127.0.0.1 at the time of the call.
func freePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 at the time of the call.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
