package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

func ptr[T any](v T) *T { return &v }

const target = `
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10`

// TestDecodeHPAEveryVersion decodes the same autoscaler written in every supported version and
// expects the same v2 spec.
func TestDecodeHPAEveryVersion(t *testing.T) {
	want := v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
		MinReplicas:    ptr[int32](2),
		MaxReplicas:    10,
		Metrics: []v2.MetricSpec{
			{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr[int32](60)},
			}},
			{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
				Metric: v2.MetricIdentifier{Name: "queue"},
				Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))},
			}},
		},
	}
	tests := map[string]string{
		"autoscaling.mhpa.dev/v2": `apiVersion: autoscaling.mhpa.dev/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:` + target + `
  metrics:
  - type: PodResource
    podResource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: External
    external: {metric: {name: queue}, target: {type: AverageValue, averageValue: "30"}}
`,
		"autoscaling.mhpa.dev/v2beta2": `apiVersion: autoscaling.mhpa.dev/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:` + target + `
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: External
    external: {metric: {name: queue}, target: {type: AverageValue, averageValue: "30"}}
`,
		"autoscaling.mhpa.dev/v2beta1": `apiVersion: autoscaling.mhpa.dev/v2beta1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:` + target + `
  metrics:
  - type: Resource
    resource: {name: cpu, targetAverageUtilization: 60}
  - type: External
    external: {metricName: queue, targetAverageValue: "30"}
`,
		"autoscaling/v2": `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:` + target + `
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: External
    external: {metric: {name: queue}, target: {type: AverageValue, averageValue: "30"}}
`,
		"json document": `{"apiVersion": "autoscaling.mhpa.dev/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
 "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 10,
  "metrics": [{"type": "PodResource", "podResource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
   {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "30"}}}]}}`,
		"among other documents": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
# the autoscaler
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:` + target + `
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: External
    external: {metric: {name: queue}, target: {type: AverageValue, averageValue: "30"}}
---
`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			h, err := DecodeHPA("hpa.yaml", []byte(doc))
			if err != nil {
				t.Fatalf("DecodeHPA() error = %v", err)
			}
			if h.Object.Name != "web" {
				t.Errorf("name = %q, want web", h.Object.Name)
			}
			if h.Object.APIVersion != v2.GroupVersion.String() {
				t.Errorf("apiVersion = %q, want %s", h.Object.APIVersion, v2.GroupVersion)
			}
			got := h.Object.Spec
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("spec mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeHPAv1AndDefaults(t *testing.T) {
	h, err := DecodeHPA("hpa.yaml", []byte(`apiVersion: autoscaling.mhpa.dev/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := DefaultAndValidate(h); err != nil {
		t.Fatal(err)
	}
	want := []v2.MetricSpec{{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr[int32](80)},
	}}}
	if diff := cmp.Diff(want, h.Object.Spec.Metrics); diff != "" {
		t.Errorf("defaulted metrics (-want +got):\n%s", diff)
	}
	if h.Object.Spec.MinReplicas == nil || *h.Object.Spec.MinReplicas != 1 {
		t.Errorf("minReplicas = %v, want the default 1", h.Object.Spec.MinReplicas)
	}
}

func TestDecodeHPAErrors(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want []string
	}{
		"unknown field names its path and line": {
			doc: "# comment\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:" + target + `
  behavior:
    scaleDown:
      stabilizationWindowSecond: 60
`,
			want: []string{"hpa.yaml:12:", `unknown field "spec.behavior.scaleDown.stabilizationWindowSecond"`},
		},
		"an old name in v2": {
			doc: "apiVersion: autoscaling.mhpa.dev/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:" + target + `
  metrics:
  - type: PodResource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
`,
			want: []string{"hpa.yaml:10: spec.metrics[0].resource", `renamed to "podResource"`},
		},
		"YAML syntax error has the line in the file": {
			doc:  "kind: ConfigMap\napiVersion: v1\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: [1\n",
			want: []string{"hpa.yaml:4:", "line 7"},
		},
		"unsupported apiVersion": {
			doc:  "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\n",
			want: []string{"hpa.yaml:1: apiVersion: unsupported value \"autoscaling/v2beta2\"", "autoscaling.mhpa.dev/v2", "autoscaling/v1"},
		},
		"no autoscaler": {
			doc:  "apiVersion: v1\nkind: ConfigMap\n",
			want: []string{"hpa.yaml: no HorizontalPodAutoscaler found"},
		},
		"two autoscalers": {
			doc:  "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: b}\n",
			want: []string{`holds 2 HorizontalPodAutoscalers ("a" at line 1, "b" at line 5)`},
		},
		"a wrong type names the field": {
			doc:  "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: ten\n",
			want: []string{"hpa.yaml:1:", "maxReplicas"},
		},
		"a document without kind": {
			doc:  "spec:\n  maxReplicas: 3\n",
			want: []string{"hpa.yaml:1: document has no apiVersion and kind"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeHPA("hpa.yaml", []byte(tc.doc))
			if err == nil {
				t.Fatal("DecodeHPA() succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestReadHPAValidates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hpa.yaml")
	doc := `apiVersion: autoscaling.mhpa.dev/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 5
  maxReplicas: 3
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadHPA(path, nil)
	if err == nil {
		t.Fatal("ReadHPA() succeeded, want a validation error")
	}
	for _, w := range []string{path + ":1: invalid HorizontalPodAutoscaler \"web\"", path + ":7: spec.maxReplicas", "autoscaling.mhpa.dev/v2beta2"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if _, err := ReadHPA(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("ReadHPA(missing file) error = %v, want one naming the file", err)
	}
	h, err := ReadHPA("-", strings.NewReader(strings.Replace(doc, "minReplicas: 5", "minReplicas: 1", 1)))
	if err != nil {
		t.Fatalf("ReadHPA(stdin) error = %v", err)
	}
	if h.Source != "-" || h.APIVersion != "autoscaling.mhpa.dev/v2beta2" {
		t.Errorf("ReadHPA(stdin) = %s, want source - and apiVersion autoscaling.mhpa.dev/v2beta2", h)
	}
}

func TestBuild(t *testing.T) {
	b := Build()
	if b.Version == "" || b.GoVersion == "" || !strings.Contains(b.Platform, "/") {
		t.Errorf("Build() = %+v: version, Go version and platform must be set", b)
	}
}
