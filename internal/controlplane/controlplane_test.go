package controlplane_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/controlplane/certs"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// TestAuthentication: the API server is ready; admin may do anything; token-file and
// client-certificate users are who they claim, in their groups, and may do nothing RBAC does
// not grant.
func TestAuthentication(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{
		Users: []controlplane.User{{Name: "alice", Groups: []string{"devs", "ops"}}, {Name: "carol", Token: "carol-token"}},
	})
	admin := framework.AdminClient(t, cp)

	body, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(t.Context())
	if err != nil || string(body) != "ok" {
		t.Fatalf("GET /readyz = %q, %v; want ok", body, err)
	}
	if _, err := admin.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Errorf("admin listing pods: %v", err)
	}
	alice := framework.Clientset(t, cp.UserConfig("alice"))
	if _, err := alice.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("alice listing pods without RBAC: error %v, want Forbidden", err)
	}
	if u, ok := cp.User("carol"); !ok || u.Token != "carol-token" {
		t.Errorf("User(carol) = %+v, %v; want the given token", u, ok)
	}
	bobConfig, err := cp.CertUserConfig("bob", "testers")
	if err != nil {
		t.Fatal(err)
	}
	bob := framework.Clientset(t, bobConfig)

	for _, tc := range []struct {
		name       string
		client     kubernetes.Interface
		wantUser   string
		wantGroups []string
	}{
		{"admin", admin, "admin", []string{"system:masters", "system:authenticated"}},
		{"token user", alice, "alice", []string{"devs", "ops", "system:authenticated"}},
		{"token user without groups", framework.Clientset(t, cp.UserConfig("carol")), "carol", []string{"system:authenticated"}},
		{"certificate user", bob, "bob", []string{"testers", "system:authenticated"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			review, err := tc.client.AuthenticationV1().SelfSubjectReviews().Create(t.Context(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			info := review.Status.UserInfo
			if info.Username != tc.wantUser || !sameSet(info.Groups, tc.wantGroups) {
				t.Errorf("authenticated as %q in %v, want %q in %v", info.Username, info.Groups, tc.wantUser, tc.wantGroups)
			}
		})
	}

	// RBAC decides: a Role that may list pods, bound to bob's group, lets him list pods in
	// that namespace only. (The aggregated ClusterRoles such as "view" get their rules from
	// kube-controller-manager, which does not run here.)
	ns := framework.CreateNamespace(t, admin, "rbac")
	_, err = admin.RbacV1().Roles(ns).Create(t.Context(), &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.RbacV1().RoleBindings(ns).Create(t.Context(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "testers-pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "testers"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, "bob may list pods in "+ns, func(ctx context.Context) (bool, error) {
		_, err := bob.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil, err
	})
	if _, err := bob.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("bob listing pods in default: error %v, want Forbidden", err)
	}

	// The admin kubeconfig and one written for alice work as they should.
	for user, wantForbidden := range map[string]bool{"admin": false, "alice": true} {
		path := cp.KubeconfigPath()
		if user != "admin" {
			path = filepath.Join(t.TempDir(), user+".kubeconfig")
			if err := cp.WriteKubeconfig(path, user); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatalf("loading %s: %v", path, err)
		}
		_, err = framework.Clientset(t, cfg).CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
		if gotForbidden := apierrors.IsForbidden(err); gotForbidden != wantForbidden || (err != nil && !gotForbidden) {
			t.Errorf("%s's kubeconfig: listing pods: error %v, want forbidden %v", user, err, wantForbidden)
		}
	}
	if err := cp.WriteKubeconfig(filepath.Join(t.TempDir(), "x"), "nobody"); err == nil {
		t.Error("WriteKubeconfig for an unknown user succeeded, want an error")
	}

	// kubectl, built next to the other binaries, works with the admin kubeconfig.
	if kubectl := filepath.Join(controlplane.DefaultBinDir(), "kubectl"); fileExists(kubectl) {
		out, err := exec.CommandContext(t.Context(), kubectl, "--kubeconfig", cp.KubeconfigPath(), "get", "namespace", "kube-system", "-o", "name").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "namespace/kube-system" {
			t.Errorf("kubectl get namespace kube-system: %q, %v", out, err)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestAggregation: an APIService backed by an ExternalName "localhost" Service reaches a
// server on https://localhost:<port>, which sees the front proxy's client certificate and the
// user in request headers, as an aggregated API server does.
func TestAggregation(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{Users: []controlplane.User{{Name: "alice"}}})
	admin := framework.AdminClient(t, cp)

	// An aggregated server trusts the front-proxy CA the API server publishes.
	cm, err := admin.CoreV1().ConfigMaps("kube-system").Get(t.Context(), "extension-apiserver-authentication", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	proxyCAs := x509Pool(t, cm.Data["requestheader-client-ca-file"])
	serving := newServingCA(t)

	type seen struct{ user, groups, certCN string }
	var mu sync.Mutex
	var requests []seen
	mux := http.NewServeMux()
	mux.HandleFunc("/apis/test.mhpa.dev/v1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, metav1.APIResourceList{
			TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: "test.mhpa.dev/v1",
			APIResources: []metav1.APIResource{{Name: "widgets", Namespaced: true, Kind: "Widget", Verbs: []string{"list"}}},
		})
	})
	mux.HandleFunc("/apis/test.mhpa.dev/v1/namespaces/default/widgets", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, seen{
			user:   r.Header.Get("X-Remote-User"),
			groups: strings.Join(r.Header.Values("X-Remote-Group"), ","),
			certCN: r.TLS.PeerCertificates[0].Subject.CommonName,
		})
		mu.Unlock()
		writeJSON(w, map[string]any{"kind": "WidgetList", "apiVersion": "test.mhpa.dev/v1", "metadata": map[string]any{}, "items": []any{}})
	})
	// The aggregator checks the certificate for the Service's name, even of an ExternalName
	// Service, so the certificate must name test-aggregated.default.svc.
	port := serveTLS(t, mux, serving, &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: proxyCAs}, "test-aggregated.default.svc")

	_, err = admin.CoreV1().Services("default").Create(t.Context(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "test-aggregated"},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cp.AdminConfig())
	apiServices := dyn.Resource(schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"})
	_, err = apiServices.Create(t.Context(), &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": "v1.test.mhpa.dev"},
		"spec": map[string]any{
			"group": "test.mhpa.dev", "version": "v1",
			"service":              map[string]any{"namespace": "default", "name": "test-aggregated", "port": int64(port)},
			"caBundle":             serving.CertPEM,
			"groupPriorityMinimum": int64(1000), "versionPriority": int64(15),
		},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, "APIService v1.test.mhpa.dev to be Available", func(ctx context.Context) (bool, error) {
		obj, err := apiServices.Get(ctx, "v1.test.mhpa.dev", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Available" {
				if m["status"] == "True" {
					return true, nil
				}
				return false, fmt.Errorf("Available=%v: %v", m["status"], m["message"])
			}
		}
		return false, nil
	})

	path := "/apis/test.mhpa.dev/v1/namespaces/default/widgets"
	body, err := admin.Discovery().RESTClient().Get().AbsPath(path).DoRaw(t.Context())
	if err != nil || !strings.Contains(string(body), "WidgetList") {
		t.Fatalf("GET %s as admin = %q, %v; want the aggregated server's WidgetList", path, body, err)
	}
	mu.Lock()
	got := slices.Clone(requests)
	mu.Unlock()
	if len(got) != 1 || got[0].user != "admin" || !strings.Contains(got[0].groups, "system:masters") || got[0].certCN != "front-proxy-client" {
		t.Errorf("aggregated server saw %+v; want one request from user admin in system:masters through client certificate front-proxy-client", got)
	}
	// The API server authorizes before it proxies: alice has no RBAC rules.
	alice := framework.Clientset(t, cp.UserConfig("alice"))
	if _, err := alice.Discovery().RESTClient().Get().AbsPath(path).DoRaw(t.Context()); !apierrors.IsForbidden(err) {
		t.Errorf("GET %s as alice: error %v, want Forbidden", path, err)
	}
}

// TestWebhook: a validating webhook at https://localhost:<port> with a caBundle is called
// and its verdict enforced.
func TestWebhook(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{})
	admin := framework.AdminClient(t, cp)
	ns := framework.CreateNamespace(t, admin, "webhook")
	serving := newServingCA(t)

	mux := http.NewServeMux()
	mux.HandleFunc("/validate", func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		var cm corev1.ConfigMap
		_ = json.Unmarshal(review.Request.Object.Raw, &cm)
		resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: cm.Labels["deny"] != "true"}
		if !resp.Allowed {
			resp.Result = &metav1.Status{Message: "denied by the test webhook"}
		}
		review.Response, review.Request = resp, nil
		writeJSON(w, review)
	})
	port := serveTLS(t, mux, serving, &tls.Config{}, "localhost")

	_, err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(t.Context(), &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-" + ns},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "deny.test.mhpa.dev",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				URL:      ptr.To("https://localhost:" + strconv.Itoa(port) + "/validate"),
				CABundle: serving.CertPEM,
			},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	configMap := func(deny string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "cm-", Labels: map[string]string{"deny": deny}}}
	}
	// The API server picks the configuration up within moments.
	framework.WaitFor(t, "the webhook to deny a labelled ConfigMap", func(ctx context.Context) (bool, error) {
		_, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, configMap("true"), metav1.CreateOptions{})
		if err == nil {
			return false, errors.New("created")
		}
		if strings.Contains(err.Error(), "denied by the test webhook") {
			return true, nil
		}
		return false, err
	})
	if _, err := admin.CoreV1().ConfigMaps(ns).Create(t.Context(), configMap("false"), metav1.CreateOptions{}); err != nil {
		t.Errorf("creating a ConfigMap the webhook allows: %v", err)
	}
}

// TestStartStopCycles: starting and stopping twice in one process leaves no child process,
// no bound port, no working directory and no extra goroutines behind.
func TestStartStopCycles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("child processes are found through /proc")
	}
	goroutines := 0
	for cycle := 1; cycle <= 2; cycle++ {
		cp, err := controlplane.Start(t.Context(), controlplane.Options{ControllerManager: true, Kubelet: true, Log: testLog{t}})
		if err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		if n := len(children(t)); n != 3 {
			t.Errorf("cycle %d: %d child processes while running, want 3 (etcd, kube-apiserver, kube-controller-manager)", cycle, n)
		}
		admin := framework.AdminClient(t, cp)
		if _, err := admin.CoreV1().Namespaces().Get(t.Context(), "default", metav1.GetOptions{}); err != nil {
			t.Errorf("cycle %d: %v", cycle, err)
		}
		hostURL, _ := url.Parse(cp.Host())
		dir := cp.Dir()
		if err := cp.Stop(); err != nil {
			t.Fatalf("cycle %d: Stop: %v", cycle, err)
		}
		if err := cp.Stop(); err != nil {
			t.Errorf("cycle %d: second Stop: %v", cycle, err)
		}
		if pids := children(t); len(pids) > 0 {
			t.Errorf("cycle %d: child processes %v left after Stop", cycle, pids)
		}
		if l, err := net.Listen("tcp", hostURL.Host); err != nil {
			t.Errorf("cycle %d: API server port still bound after Stop: %v", cycle, err)
		} else {
			l.Close()
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("cycle %d: working directory %s left after Stop (stat error %v)", cycle, dir, err)
		}
		// Idle connections to the stopped server end soon; then count goroutines. The first
		// cycle sets the baseline (it starts process-wide goroutines such as klog's).
		var n int
		err = framework.Poll(t.Context(), 30*time.Second, func(context.Context) (bool, error) {
			n = runtime.NumGoroutine()
			return cycle == 1 || n <= goroutines, nil
		})
		if err != nil {
			buf := make([]byte, 1<<20)
			t.Errorf("cycle %d: %d goroutines after Stop, %d after the first cycle:\n%s", cycle, n, goroutines, buf[:runtime.Stack(buf, true)])
		}
		goroutines = n
	}
}

// TestMissingBinaries: without binaries, Start says how to build them.
func TestMissingBinaries(t *testing.T) {
	_, err := controlplane.Start(t.Context(), controlplane.Options{BinDir: t.TempDir()})
	if !errors.Is(err, controlplane.ErrBinariesMissing) || !strings.Contains(err.Error(), "make controlplane") {
		t.Errorf("Start with an empty BinDir: error %v, want ErrBinariesMissing naming `make controlplane`", err)
	}
}

// children returns the pids of this process's child processes.
func children(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// Fields after the parenthesized command name: state, ppid, ...
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(self) {
			pids = append(pids, pid)
		}
	}
	return pids
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newServingCA(t *testing.T) *certs.CA {
	t.Helper()
	ca, err := certs.NewCA("test-serving-ca")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// serveTLS serves handler on a free port of 127.0.0.1 with a certificate for hosts signed by
// ca until the test ends, and returns the port.
func serveTLS(t *testing.T, handler http.Handler, ca *certs.CA, cfg *tls.Config, hosts ...string) int {
	t.Helper()
	kp, err := ca.NewServingCert(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := kp.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, TLSConfig: cfg, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func x509Pool(t *testing.T, pemData string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pemData)) {
		t.Fatalf("no certificates in %q", pemData)
	}
	return pool
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// TestProcessesDieWithParent: when the process that started the control plane dies without
// stopping it (say, a test binary killed on timeout), the kernel kills the control plane
// processes too. A copy of this test binary plays the parent.
func TestProcessesDieWithParent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux ties a child's life to its parent's")
	}
	if dir := os.Getenv("MHPA_TEST_PARENT_DIR"); dir != "" {
		// The parent: start, print the children, wait to be killed.
		cp, err := controlplane.Start(context.Background(), controlplane.Options{Dir: dir, ControllerManager: true})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		_ = cp
		pids := children(t)
		fmt.Println("PIDS", strings.Trim(fmt.Sprint(pids), "[]"))
		select {}
	}

	parent := exec.Command(os.Args[0], "-test.run=^TestProcessesDieWithParent$", "-test.timeout=5m")
	parent.Env = append(os.Environ(), "MHPA_TEST_PARENT_DIR="+t.TempDir())
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = parent.Process.Kill()
			_ = parent.Wait()
		}
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := out.Read(buf)
			acc += string(buf[:n])
			for strings.Contains(acc, "\n") {
				i := strings.Index(acc, "\n")
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	var pids []int
	timeout := time.After(framework.DefaultTimeout)
	for pids == nil {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the parent process exited before it printed its children")
			}
			if rest, found := strings.CutPrefix(line, "PIDS "); found {
				for _, f := range strings.Fields(rest) {
					pid, _ := strconv.Atoi(f)
					pids = append(pids, pid)
				}
			} else if strings.HasPrefix(line, "ERROR") {
				t.Fatal(line)
			}
		case <-timeout:
			t.Fatal("timed out waiting for the parent process to start the control plane")
		}
	}
	if len(pids) != 3 {
		t.Fatalf("the parent has children %v, want 3 (etcd, kube-apiserver, kube-controller-manager)", pids)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	killed = true
	for range lines { // drain, so the reader goroutine ends
	}
	framework.WaitFor(t, fmt.Sprintf("processes %v to die with their parent", pids), func(context.Context) (bool, error) {
		for _, pid := range pids {
			if alive(pid) {
				return false, fmt.Errorf("process %d is alive", pid)
			}
		}
		return true, nil
	})
}

// alive reports whether pid is a running process (not gone, not a zombie).
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
