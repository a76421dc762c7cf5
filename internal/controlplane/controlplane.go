package controlplane

import (
	"context"
	"crypto/tls"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr/funcr"
	"k8s.io/client-go/kubernetes"

	"github.com/mhpa-dev/mhpa/internal/controlplane/certs"
	"github.com/mhpa-dev/mhpa/internal/controlplane/kubelet"
)

const (
	// serviceCIDR is the range of Service cluster IPs; the first address is the "kubernetes"
	// Service's, which the serving certificate names.
	serviceCIDR      = "10.96.0.0/16"
	kubernetesSvcIP  = "10.96.0.1"
	serviceIssuer    = "https://kubernetes.default.svc.cluster.local"
	frontProxyClient = "front-proxy-client"
	// stopGrace is how long a process may take to exit after SIGTERM before it is killed.
	stopGrace = 10 * time.Second
	// startAttempts bounds the retries of a start that lost a race for a port.
	startAttempts = 3
)

// controllers are the kube-controller-manager controllers run: Deployments and their pods,
// owner-based deletion, the default service account and root CA of each namespace (which pod
// admission needs), namespace deletion, and the rules of aggregated ClusterRoles such as
// "view" and "edit" (empty without it).
var controllers = []string{
	"clusterrole-aggregation-controller",
	"deployment-controller",
	"replicaset-controller",
	"garbage-collector-controller",
	"serviceaccount-controller",
	"root-ca-certificate-publisher-controller",
	"namespace-controller",
}

// ControlPlane is a running local control plane. Create it with Start; end it with Stop.
type ControlPlane struct {
	opts   Options
	dir    string
	ownDir bool

	servingCA, clientCA, frontProxyCA *certs.CA
	users                             map[string]User // by name, admin included
	host                              string          // https://127.0.0.1:<port>

	procs      []*process // in start order
	standIn    *kubelet.StandIn
	kubeletLog *os.File

	stopOnce sync.Once
	stopErr  error
}

// Start starts etcd, kube-apiserver and, if asked, kube-controller-manager and the kubelet
// stand-in, and returns when all are ready. ctx bounds the start only: the processes run
// until Stop. On error everything started is stopped again and the error says which process
// failed, with the end of its log.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("controlplane: Options.%w", err)
	}
	bins := []string{"etcd", "kube-apiserver"}
	if opts.ControllerManager {
		bins = append(bins, "kube-controller-manager")
	}
	for _, b := range bins {
		path := filepath.Join(opts.BinDir, b)
		if st, err := os.Stat(path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return nil, fmt.Errorf("controlplane: %s not found in %s: %w", b, opts.BinDir, ErrBinariesMissing)
		}
	}

	cp := &ControlPlane{opts: opts, dir: opts.Dir}
	if cp.dir == "" {
		if cp.dir, err = os.MkdirTemp("", "mhpa-controlplane-"); err != nil {
			return nil, fmt.Errorf("controlplane: %w", err)
		}
		cp.ownDir = true
	}
	if err := cp.start(ctx); err != nil {
		if stopErr := cp.Stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	return cp, nil
}

func (cp *ControlPlane) logf(format string, args ...any) {
	_, _ = cp.opts.Log.Write([]byte(fmt.Sprintf("controlplane: "+format+"\n", args...)))
}

func (cp *ControlPlane) start(ctx context.Context) error {
	began := time.Now()
	for _, sub := range []string{"pki", "logs", "kube-controller-manager"} {
		if err := os.MkdirAll(filepath.Join(cp.dir, sub), 0o700); err != nil {
			return err
		}
	}
	if err := cp.writePKI(); err != nil {
		return fmt.Errorf("writing certificates and keys: %w", err)
	}
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		err = cp.startProcesses(ctx)
		if !errors.Is(err, errPortInUse) {
			break
		}
		cp.logf("a port was taken meanwhile, starting again (%v)", err)
		cp.stopProcesses()
	}
	if err != nil {
		return err
	}
	if err := cp.WriteKubeconfig(cp.KubeconfigPath(), AdminUser); err != nil {
		return err
	}
	if cp.opts.Kubelet {
		if err := cp.startKubelet(ctx); err != nil {
			return err
		}
	}
	cp.logf("ready in %.1fs at %s (dir %s)", time.Since(began).Seconds(), cp.host, cp.dir)
	return nil
}

// startProcesses starts the processes on fresh ports and waits for each to be ready.
func (cp *ControlPlane) startProcesses(ctx context.Context) error {
	ports, err := pickPorts(4)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort, kcmPort := ports[0], ports[1], ports[2], ports[3]
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	cp.host = "https://127.0.0.1:" + strconv.Itoa(apiPort)

	dataDir := filepath.Join(cp.dir, "etcd")
	if err := os.RemoveAll(dataDir); err != nil {
		return err
	}
	_, err = cp.startProc(ctx, "etcd", []string{
		"--name=mhpa",
		"--data-dir=" + dataDir,
		"--listen-client-urls=" + etcdURL,
		"--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=mhpa=" + peerURL,
		"--unsafe-no-fsync=true",
	}, func(ctx context.Context, c *http.Client) (bool, error) {
		body, code, err := get(ctx, c, etcdURL+"/health", "")
		return err == nil && code == http.StatusOK && strings.Contains(body, `"true"`), err
	}, &http.Transport{})
	if err != nil {
		return err
	}

	pki := func(name string) string { return filepath.Join(cp.dir, "pki", name) }
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--tls-cert-file=" + pki("apiserver.crt"),
		"--tls-private-key-file=" + pki("apiserver.key"),
		"--client-ca-file=" + pki("client-ca.crt"),
		"--token-auth-file=" + filepath.Join(cp.dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + serviceIssuer,
		"--service-account-key-file=" + pki("service-account.pub"),
		"--service-account-signing-key-file=" + pki("service-account.key"),
		"--service-cluster-ip-range=" + serviceCIDR,
		// Loopback addresses may not be endpoints, so the "kubernetes" Service has none.
		"--endpoint-reconciler-type=none",
		"--requestheader-client-ca-file=" + pki("front-proxy-ca.crt"),
		"--requestheader-allowed-names=" + frontProxyClient,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + pki("front-proxy-client.crt"),
		"--proxy-client-key-file=" + pki("front-proxy-client.key"),
		"--allow-privileged=true",
	}
	if !cp.opts.ControllerManager {
		// Nothing would create the default service account that pods are admitted with.
		args = append(args, "--disable-admission-plugins=ServiceAccount")
	}
	args = append(args, cp.opts.ExtraAPIServerArgs...)
	adminToken := cp.users[AdminUser].Token
	apiTransport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cp.servingCA.Pool()}}
	if _, err := cp.startProc(ctx, "kube-apiserver", args, func(ctx context.Context, c *http.Client) (bool, error) {
		_, code, err := get(ctx, c, cp.host+"/readyz", adminToken)
		return err == nil && code == http.StatusOK, err
	}, apiTransport); err != nil {
		return err
	}

	if !cp.opts.ControllerManager {
		return nil
	}
	kubeconfig := filepath.Join(cp.dir, "kube-controller-manager.kubeconfig")
	if err := cp.writeCertKubeconfig(kubeconfig, "system:kube-controller-manager", "system:masters"); err != nil {
		return err
	}
	args = []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--controllers=" + strings.Join(controllers, ","),
		"--root-ca-file=" + pki("serving-ca.crt"),
		"--use-service-account-credentials=false",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(kcmPort),
		"--cert-dir=" + filepath.Join(cp.dir, "kube-controller-manager"),
	}
	args = append(args, cp.opts.ExtraControllerManagerArgs...)
	kcmURL := "https://127.0.0.1:" + strconv.Itoa(kcmPort) + "/healthz"
	// The controller manager serves a self-signed certificate of its own; only its health
	// is read here, nothing is sent.
	kcmTransport := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // health probe of a loopback child process
	_, err = cp.startProc(ctx, "kube-controller-manager", args, func(ctx context.Context, c *http.Client) (bool, error) {
		_, code, err := get(ctx, c, kcmURL, "")
		return err == nil && code == http.StatusOK, err
	}, kcmTransport)
	return err
}

// startProc starts one binary and polls ready until it reports true, the process exits,
// StartTimeout passes or ctx ends.
func (cp *ControlPlane) startProc(ctx context.Context, name string, args []string,
	ready func(context.Context, *http.Client) (bool, error), transport *http.Transport) (*process, error) {
	began := time.Now()
	logPath := filepath.Join(cp.dir, "logs", name+".log")
	p, err := startProcess(name, filepath.Join(cp.opts.BinDir, name), args, logPath)
	if err != nil {
		return nil, err
	}
	cp.procs = append(cp.procs, p)
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	defer transport.CloseIdleConnections()
	// A probe in flight ends when the process exits: the port it probes may belong to
	// another program that never answers.
	probeCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-probeCtx.Done():
		}
	}()

	deadline := time.NewTimer(cp.opts.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		ok, err := ready(probeCtx, client)
		if ok {
			cp.logf("%s ready in %.1fs", name, time.Since(began).Seconds())
			return p, nil
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-p.done:
			p.killed = true // reported here, not again by Stop
			if p.bindRace() {
				return nil, fmt.Errorf("%s: %w", name, errPortInUse)
			}
			return nil, p.exitError()
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", name, context.Cause(ctx))
		case <-deadline.C:
			return nil, fmt.Errorf("%s not ready after %v (last error: %v); last lines of %s:\n%s",
				name, cp.opts.StartTimeout, lastErr, logPath, TailFile(logPath, 30))
		case <-tick.C:
		}
	}
}

// get fetches url, with a bearer token if one is given, and returns body and status code.
func get(ctx context.Context, c *http.Client, url, token string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return string(body), resp.StatusCode, err
}

// pickPorts picks the ports of a start attempt; tests replace it to provoke a lost race.
var pickPorts = freePorts

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment ago. Another
// program may take one before a process binds it; Start then tries again.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// writePKI creates the certificate authorities, the API server's serving and proxy client
// certificates, the service account keys and the token file.
func (cp *ControlPlane) writePKI() error {
	dir := filepath.Join(cp.dir, "pki")
	var err error
	if cp.servingCA, err = certs.NewCA("mhpa-serving-ca"); err != nil {
		return err
	}
	if cp.clientCA, err = certs.NewCA("mhpa-client-ca"); err != nil {
		return err
	}
	if cp.frontProxyCA, err = certs.NewCA("mhpa-front-proxy-ca"); err != nil {
		return err
	}
	files := map[string][]byte{
		"serving-ca.crt":     cp.servingCA.CertPEM,
		"client-ca.crt":      cp.clientCA.CertPEM,
		"client-ca.key":      cp.clientCA.KeyPEM,
		"front-proxy-ca.crt": cp.frontProxyCA.CertPEM,
	}
	if files["service-account.key"], files["service-account.pub"], err = certs.NewKeyPEM(); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	serving, err := cp.servingCA.NewServingCert("localhost", "127.0.0.1", "::1", "kubernetes",
		"kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", kubernetesSvcIP)
	if err != nil {
		return err
	}
	if _, _, err := serving.WriteFiles(dir, "apiserver"); err != nil {
		return err
	}
	proxyClient, err := cp.frontProxyCA.NewClientCert(frontProxyClient)
	if err != nil {
		return err
	}
	if _, _, err := proxyClient.WriteFiles(dir, "front-proxy-client"); err != nil {
		return err
	}

	cp.users = map[string]User{AdminUser: {Name: AdminUser, Token: newToken(), Groups: []string{"system:masters"}}}
	for _, u := range cp.opts.Users {
		cp.users[u.Name] = u
	}
	return cp.writeTokenFile(filepath.Join(cp.dir, "tokens.csv"))
}

// writeTokenFile writes the users as the API server's token file: token,user,uid,"groups".
func (cp *ControlPlane) writeTokenFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	for _, name := range cp.userNames() {
		u := cp.users[name]
		record := []string{u.Token, u.Name, u.Name}
		if len(u.Groups) > 0 {
			record = append(record, strings.Join(u.Groups, ","))
		}
		if err := w.Write(record); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (cp *ControlPlane) userNames() []string {
	names := make([]string, 0, len(cp.users))
	for name := range cp.users {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// startKubelet starts the stand-in with its own client certificate identity.
func (cp *ControlPlane) startKubelet(ctx context.Context) error {
	cfg, err := cp.CertUserConfig("mhpa-kubelet", "system:masters")
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 100 // a kubelet's defaults
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	opts := cp.opts.KubeletOptions
	if opts.Logger.GetSink() == nil {
		f, err := os.OpenFile(filepath.Join(cp.dir, "logs", "kubelet.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		cp.kubeletLog = f
		var mu sync.Mutex
		opts.Logger = funcr.New(func(prefix, args string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(f, "%s %s %s\n", time.Now().Format(time.RFC3339Nano), prefix, args)
		}, funcr.Options{})
	}
	standIn, err := kubelet.New(client, opts)
	if err != nil {
		return err
	}
	if err := standIn.Start(ctx); err != nil {
		return err
	}
	cp.standIn = standIn
	cp.logf("kubelet stand-in ready (node %s)", standIn.NodeName())
	return nil
}

// Stop stops the kubelet stand-in and the processes and, if Start created Dir, removes it.
// It returns an error if a process had exited by itself before, with the end of its log.
// Stop may be called more than once; later calls return the first call's result.
func (cp *ControlPlane) Stop() error {
	cp.stopOnce.Do(func() {
		began := time.Now()
		var errs []error
		if cp.standIn != nil {
			cp.standIn.Stop()
		}
		if cp.kubeletLog != nil {
			errs = append(errs, cp.kubeletLog.Close())
		}
		errs = append(errs, cp.stopProcesses()...)
		if cp.ownDir {
			errs = append(errs, os.RemoveAll(cp.dir))
		}
		cp.stopErr = errors.Join(errs...)
		cp.logf("stopped in %.1fs", time.Since(began).Seconds())
	})
	return cp.stopErr
}

// stopProcesses stops the processes in reverse start order and forgets them.
func (cp *ControlPlane) stopProcesses() []error {
	var errs []error
	for i := len(cp.procs) - 1; i >= 0; i-- {
		began := time.Now()
		errs = append(errs, cp.procs[i].stop(stopGrace))
		cp.logf("%s stopped in %.1fs", cp.procs[i].name, time.Since(began).Seconds())
	}
	cp.procs = nil
	return errs
}

// Dir returns the working directory: certificates and keys in pki/, logs in logs/,
// kubeconfigs, the token file and etcd's data.
func (cp *ControlPlane) Dir() string { return cp.dir }

// Host returns the API server's URL, https://127.0.0.1:<port>.
func (cp *ControlPlane) Host() string { return cp.host }

// Kubelet returns the kubelet stand-in, or nil if Options.Kubelet was false.
func (cp *ControlPlane) Kubelet() *kubelet.StandIn { return cp.standIn }

// ServingCA returns the PEM certificate of the CA that signed the API server's serving
// certificate.
func (cp *ControlPlane) ServingCA() []byte { return append([]byte(nil), cp.servingCA.CertPEM...) }

// ClientCA returns the CA whose client certificates the API server accepts, for tests that
// mint certificates of their own.
func (cp *ControlPlane) ClientCA() *certs.CA { return cp.clientCA }

// LogTail returns the last lines of each process log (and the kubelet stand-in's, if it logs
// to Dir), each under a header naming the file.
func (cp *ControlPlane) LogTail(lines int) string {
	entries, err := os.ReadDir(filepath.Join(cp.dir, "logs"))
	if err != nil {
		return fmt.Sprintf("(cannot list logs: %v)", err)
	}
	var b strings.Builder
	for _, e := range entries {
		path := filepath.Join(cp.dir, "logs", e.Name())
		fmt.Fprintf(&b, "----- last %d lines of %s -----\n%s\n", lines, path, TailFile(path, lines))
	}
	return b.String()
}
