package sharedtest

import (
	"os"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/test/framework"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) { os.Exit(framework.Main(m, controlplane.Options{Kubelet: true}, &cp)) }

// hosts records the API server each test saw.
var hosts = map[string]bool{}

func TestFirst(t *testing.T) { useSharedPlane(t) }

func TestSecond(t *testing.T) {
	useSharedPlane(t)
	if len(hosts) != 1 {
		t.Errorf("tests saw API servers %v, want one shared", hosts)
	}
}

func useSharedPlane(t *testing.T) {
	if cp == nil {
		t.Fatal("framework.Main did not set the control plane")
	}
	hosts[cp.Host()] = true
	cs := framework.AdminClient(t, cp)
	ns := framework.CreateNamespace(t, cs, "shared")
	framework.CreatePod(t, cs, framework.NewPod(ns, "p"))
	framework.WaitForPod(t, cs, ns, "p", "ready", framework.PodReady)
	if _, err := cs.CoreV1().Nodes().Get(t.Context(), cp.Kubelet().NodeName(), metav1.GetOptions{}); err != nil {
		t.Error(err)
	}
}
