package samples_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/cli"
	"github.com/mhpa-dev/mhpa/internal/manifest"
)

// sampleFiles returns the sample manifests of this directory.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(files, func(f string) bool { return f == "kustomization.yaml" })
}

// subdomainOf returns the subdomain of a metric.
func subdomainOf(m *v2.MetricSpec) string {
	switch {
	case m.PodResource != nil:
		return m.PodResource.Subdomain
	case m.ContainerResource != nil:
		return m.ContainerResource.Subdomain
	case m.Pods != nil:
		return m.Pods.Subdomain
	case m.Object != nil:
		return m.Object.Subdomain
	case m.External != nil:
		return m.External.Subdomain
	}
	return ""
}

// TestSamples reads each sample as the API server would and checks that it scales the
// Deployment of its own file, and that the samples together use every metric type, a subdomain
// in each metrics API, a shadow metric, a behavior, scale to zero and an older version.
func TestSamples(t *testing.T) {
	types := map[v2.MetricSourceType]bool{}
	subdomainTypes := map[v2.MetricSourceType]bool{}
	versions := map[string]bool{}
	shadow, behavior, toZero := false, false, false
	for _, file := range sampleFiles(t) {
		h, err := cli.ReadHPA(file, nil)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		versions[h.APIVersion] = true
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := manifest.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		ref := h.Object.Spec.ScaleTargetRef
		if manifest.Find(objs, ref.Kind, "", ref.Name) == nil {
			t.Errorf("%s: the autoscaler scales %s %s, which the file does not hold", file, ref.Kind, ref.Name)
		}
		if h.Object.Namespace != "" {
			t.Errorf("%s: the autoscaler sets namespace %q; samples are applied to a namespace of the user's choice", file, h.Object.Namespace)
		}
		for i := range h.Object.Spec.Metrics {
			m := &h.Object.Spec.Metrics[i]
			types[m.Type] = true
			if subdomainOf(m) != "" {
				subdomainTypes[m.Type] = true
			}
			shadow = shadow || m.Shadow
		}
		behavior = behavior || h.Object.Spec.Behavior != nil
		toZero = toZero || *h.Object.Spec.MinReplicas == 0
	}
	want := map[v2.MetricSourceType]bool{v2.PodResourceMetricSourceType: true, v2.ContainerResourceMetricSourceType: true,
		v2.PodsMetricSourceType: true, v2.ObjectMetricSourceType: true, v2.ExternalMetricSourceType: true}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("metric types of the samples (-want +got):\n%s", diff)
	}
	// A subdomain of the custom metrics API (pods or object) and of the external one.
	if !(subdomainTypes[v2.PodsMetricSourceType] || subdomainTypes[v2.ObjectMetricSourceType]) || !subdomainTypes[v2.ExternalMetricSourceType] {
		t.Errorf("metric types with a subdomain: %v, want a custom and an external one", subdomainTypes)
	}
	if !shadow || !behavior || !toZero {
		t.Errorf("shadow metric %v, behavior %v, scale to zero %v: want a sample of each", shadow, behavior, toZero)
	}
	if !versions["autoscaling.mhpa.dev/v2"] || len(versions) < 2 {
		t.Errorf("versions %v, want v2 and an older one", versions)
	}
}

// TestKustomizationListsEverySample checks that `kubectl apply -k config/samples` applies
// every sample, and that kustomize builds it.
func TestKustomizationListsEverySample(t *testing.T) {
	data, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	slices.Sort(k.Resources)
	if diff := cmp.Diff(sampleFiles(t), k.Resources); diff != "" {
		t.Errorf("kustomization.yaml resources (-files +listed):\n%s", diff)
	}
	objs, err := manifest.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	hpas := 0
	for _, o := range objs {
		if o.GetKind() == "HorizontalPodAutoscaler" && strings.HasPrefix(o.GetAPIVersion(), "autoscaling.mhpa.dev/") {
			hpas++
		}
	}
	if hpas != len(sampleFiles(t)) {
		t.Errorf("the kustomization builds %d autoscalers, want one per sample file (%d)", hpas, len(sampleFiles(t)))
	}
}
