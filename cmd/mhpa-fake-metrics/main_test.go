package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	externalclient "k8s.io/metrics/pkg/client/external_metrics"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/pkg/adapter"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// TestBinary builds mhpa-fake-metrics, runs it against a control plane,
// sets a value through the control API, reads it through the aggregator,
// and checks that SIGTERM unregisters the APIService.
func TestBinary(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{})
	bin := filepath.Join(t.TempDir(), "mhpa-fake-metrics")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	control := freeAddress(t)
	const group = "tenant-b.external.metrics.k8s.io"

	var logs bytes.Buffer
	cmd := exec.Command(bin, "--kubeconfig", cp.KubeconfigPath(), "--group", group, "--control-address", control)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("mhpa-fake-metrics output:\n%s", logs.String())
		}
	})

	base := "http://" + control
	framework.WaitFor(t, "the control API", func(ctx context.Context) (bool, error) {
		resp, err := http.Get(base + "/v1/server")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	resp, err := http.Post(base+"/v1/groups/"+group+"/external", "application/json",
		strings.NewReader(`{"namespace":"default","metric":"queue_length","labels":{"queue":"a"},"value":"42"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("setting a value: %d %s", resp.StatusCode, body)
	}

	admin := cp.AdminConfig()
	rc, err := adapter.RESTClientFor(admin, adapter.ExternalMetrics, schema.GroupVersion{Group: group, Version: "v1beta1"})
	if err != nil {
		t.Fatal(err)
	}
	// The binary registers its APIService before serving the control API.
	list, err := externalclient.New(rc).NamespacedMetrics("default").List("queue_length", labels.Everything())
	if err != nil || len(list.Items) != 1 || list.Items[0].Value.String() != "42" {
		t.Fatalf("queue_length through the aggregator = %+v, %v; want 42", list, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("mhpa-fake-metrics exited with %v", waitErr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("mhpa-fake-metrics did not exit on SIGTERM")
	}
	dyn, err := dynamic.NewForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dyn.Resource(schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}).
		Get(t.Context(), "v1beta1."+group, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("APIService after exit: err = %v, want NotFound", err)
	}
}

func TestControlAddressMustBeLoopback(t *testing.T) {
	err := run(fakemetrics.Options{Groups: []string{"external.metrics.k8s.io"}}, "", "0.0.0.0:8099")
	if err == nil || !strings.Contains(err.Error(), "must be a loopback host:port") {
		t.Errorf("run = %v, want the control address refused", err)
	}
}

// freeAddress returns a loopback address with a port free right now.
func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
