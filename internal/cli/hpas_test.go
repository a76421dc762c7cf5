package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

const builtinWeb = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
  uid: 0b7f4a3c-0000-4000-8000-000000000001
  resourceVersion: "12"
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{}'
    team: storefront
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: 0b7f4a3c-0000-4000-8000-000000000002}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
status:
  currentReplicas: 2
  desiredReplicas: 2
`

// TestDecodeHPAs reads documents and Lists, skipping what is not an autoscaler.
func TestDecodeHPAs(t *testing.T) {
	tests := map[string]struct {
		manifest string
		want     []string // name (apiVersion)
		err      string
	}{
		"documents": {
			manifest: builtinWeb + "---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" +
				"apiVersion: autoscaling.mhpa.dev/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec:" + target + "\n",
			want: []string{"web (autoscaling/v2)", "api (autoscaling.mhpa.dev/v2beta2)"},
		},
		"a List as kubectl get -o yaml writes it": {
			manifest: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n" +
				"- apiVersion: autoscaling/v1\n  kind: HorizontalPodAutoscaler\n  metadata: {name: legacy}\n  spec:\n    scaleTargetRef: {kind: Deployment, name: legacy}\n    maxReplicas: 3\n",
			want: []string{"legacy (autoscaling/v1)"},
		},
		"nothing to import": {
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			err:      "in.yaml: no HorizontalPodAutoscaler found",
		},
		"an unknown field names its line": {
			manifest: "# header\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  maxReplica: 3\n",
			err:      `in.yaml:6: autoscaling/v2 HorizontalPodAutoscaler: unknown field "spec.maxReplica"`,
		},
		"a document without kind": {
			manifest: "metadata: {name: web}\n",
			err:      "in.yaml:1: document has no apiVersion and kind",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hpas, err := DecodeHPAs("in.yaml", []byte(tc.manifest))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hpas {
				got = append(got, h.Object.Name+" ("+h.APIVersion+")")
				if h.Object.APIVersion != v2.GroupVersion.String() {
					t.Errorf("%s: converted to %s, want %s", h.Object.Name, h.Object.APIVersion, v2.GroupVersion)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("autoscalers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestForImport keeps name, namespace, labels, annotations and spec (not defaulted), and drops
// what belongs to the original object.
func TestForImport(t *testing.T) {
	hpas, err := DecodeHPAs("in.yaml", []byte(builtinWeb))
	if err != nil {
		t.Fatal(err)
	}
	u, err := ForImport(hpas[0])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "autoscaling.mhpa.dev/v2",
		"kind":       "HorizontalPodAutoscaler",
		"metadata":   map[string]any{"name": "web", "namespace": "shop", "annotations": map[string]any{"team": "storefront"}},
		"spec": map[string]any{
			"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
			"maxReplicas":    float64(5),
			"metrics": []any{map[string]any{"type": "PodResource", "podResource": map[string]any{
				"name": "cpu", "target": map[string]any{"type": "Utilization", "averageUtilization": float64(50)}}}},
		},
	}
	if diff := cmp.Diff(want, u.Object); diff != "" {
		t.Errorf("imported object (-want +got):\n%s", diff)
	}
	if hpas[0].Object.Spec.MinReplicas != nil {
		t.Errorf("ForImport defaulted the autoscaler it was given")
	}

	bad, err := DecodeHPAs("bad.yaml", []byte(strings.Replace(builtinWeb, "maxReplicas: 5", "maxReplicas: 0", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ForImport(bad[0]); err == nil || !strings.Contains(err.Error(), "spec.maxReplicas") || !strings.Contains(err.Error(), "bad.yaml:") {
		t.Errorf("an invalid autoscaler: error = %v, want one naming the file and spec.maxReplicas", err)
	}
}
