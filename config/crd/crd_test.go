package crd_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	"sigs.k8s.io/yaml"

	v1 "github.com/mhpa-dev/mhpa/api/v1"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/api/v2beta1"
	"github.com/mhpa-dev/mhpa/api/v2beta2"
)

const (
	basePath  = "bases/autoscaling.mhpa.dev_horizontalpodautoscalers.yaml"
	patchPath = "patches/webhook_in_horizontalpodautoscalers.yaml"
)

func readCRD(t *testing.T, path string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return crd
}

// installed returns the CRD as kustomization.yaml builds it: the base with the conversion of
// the webhook patch.
func installed(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := readCRD(t, basePath)
	patch := readCRD(t, patchPath)
	if patch.Name != crd.Name {
		t.Fatalf("%s patches %q, the CRD is %q", patchPath, patch.Name, crd.Name)
	}
	crd.Spec.Conversion = patch.Spec.Conversion
	return crd
}

// TestCRDValidates runs the API server's own validation of CustomResourceDefinitions (which
// requires a structural schema, defaults that are valid and survive pruning, CEL rules that
// compile, printer columns with valid JSONPaths, exactly one storage version, and a complete
// webhook conversion) on the CRD as installed.
func TestCRDValidates(t *testing.T) {
	crd := installed(t)
	internal := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
		t.Fatal(err)
	}
	// The API server records the storage version on create, before it validates.
	internal.Status.StoredVersions = []string{"v2"}
	if errs := validation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
		t.Fatalf("the API server would reject the CRD:\n%v", errs.ToAggregate())
	}
}

// TestCRDVersions checks the versions, subresources and names that the API contract fixes.
func TestCRDVersions(t *testing.T) {
	crd := installed(t)
	type version struct {
		Served, Storage, Deprecated, Status, Scale bool
		Warning                                    string
	}
	got := map[string]version{}
	for _, v := range crd.Spec.Versions {
		ver := version{Served: v.Served, Storage: v.Storage, Deprecated: v.Deprecated}
		if v.DeprecationWarning != nil {
			ver.Warning = *v.DeprecationWarning
		}
		if v.Subresources != nil {
			ver.Status = v.Subresources.Status != nil
			ver.Scale = v.Subresources.Scale != nil
		}
		got[v.Name] = ver
	}
	want := map[string]version{
		"v1": {Served: true, Status: true},
		"v2beta1": {Served: true, Deprecated: true, Status: true,
			Warning: "autoscaling.mhpa.dev/v2beta1 HorizontalPodAutoscaler is deprecated; use autoscaling.mhpa.dev/v2"},
		"v2beta2": {Served: true, Deprecated: true, Status: true,
			Warning: "autoscaling.mhpa.dev/v2beta2 HorizontalPodAutoscaler is deprecated; use autoscaling.mhpa.dev/v2"},
		"v2": {Served: true, Storage: true, Status: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	names := crd.Spec.Names
	if names.Kind != "HorizontalPodAutoscaler" || names.Plural != "horizontalpodautoscalers" || !cmp.Equal(names.ShortNames, []string{"mhpa"}) {
		t.Errorf("names = %+v, want kind HorizontalPodAutoscaler, plural horizontalpodautoscalers, short name mhpa", names)
	}
	if crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
		t.Errorf("scope = %s, want Namespaced", crd.Spec.Scope)
	}
	conv := crd.Spec.Conversion
	if conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook == nil || conv.Webhook.ClientConfig == nil ||
		conv.Webhook.ClientConfig.Service == nil || conv.Webhook.ClientConfig.Service.Path == nil || *conv.Webhook.ClientConfig.Service.Path != "/convert" {
		t.Errorf("conversion = %+v, want strategy Webhook through a service at /convert", conv)
	}
}

// TestCRDPreservesUnknownFieldsOnlyWhereIntended checks that no part of any version's schema
// keeps unknown fields except the one place that does so on purpose: the metrics of v2, so
// that the validating webhook can reject old field names (such as "resource") with their new
// ones instead of the API server dropping them silently.
func TestCRDPreservesUnknownFieldsOnlyWhereIntended(t *testing.T) {
	allowed := map[string]bool{"v2.spec.metrics[*]": true}
	var walk func(path string, s *apiextensionsv1.JSONSchemaProps)
	walk = func(path string, s *apiextensionsv1.JSONSchemaProps) {
		if s == nil {
			return
		}
		if s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields && !allowed[path] {
			t.Errorf("%s: x-kubernetes-preserve-unknown-fields is set", path)
		}
		for name, p := range s.Properties {
			walk(path+"."+name, &p)
		}
		if s.Items != nil {
			walk(path+"[*]", s.Items.Schema)
		}
		if s.AdditionalProperties != nil {
			walk(path+"{*}", s.AdditionalProperties.Schema)
		}
	}
	for _, v := range installed(t).Spec.Versions {
		walk(v.Name, v.Schema.OpenAPIV3Schema)
	}
}

// TestPrinterColumns renders the columns of `kubectl get` with the API server's own table
// convertor for the same object read in each version.
func TestPrinterColumns(t *testing.T) {
	created := metav1.NewTime(time.Now().Add(-90 * time.Second))
	utilization, minReplicas := int32(40), int32(2)
	hub := &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", CreationTimestamp: created},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{Kind: "Deployment", Name: "web-app", APIVersion: "apps/v1"},
			MinReplicas:    &minReplicas,
			MaxReplicas:    10,
			Metrics:        []v2.MetricSpec{cpuMetric(80)},
		},
		Status: v2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: 3,
			DesiredReplicas: 3,
			CurrentMetrics: []v2.MetricStatus{{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{
				Name: corev1.ResourceCPU, Current: v2.MetricValueStatus{AverageUtilization: &utilization},
			}}},
			Reference: "Deployment/web-app",
			Targets:   "cpu: 40%/80%",
		},
	}
	tests := map[string]struct {
		object runtime.Object
		want   []any
	}{
		"v2":      {object: hub, want: []any{"web", "Deployment/web-app", "cpu: 40%/80%", int64(2), int64(10), int64(3), "90s"}},
		"v2beta2": {object: from(t, hub, &v2beta2.HorizontalPodAutoscaler{}), want: []any{"web", "web-app", int64(40), int64(2), int64(10), int64(3), "90s"}},
		"v2beta1": {object: from(t, hub, &v2beta1.HorizontalPodAutoscaler{}), want: []any{"web", "web-app", int64(40), int64(2), int64(10), int64(3), "90s"}},
		"v1":      {object: from(t, hub, &v1.HorizontalPodAutoscaler{}), want: []any{"web", "web-app", int64(40), int64(2), int64(10), int64(3), "90s"}},
	}
	crd := installed(t)
	for _, v := range crd.Spec.Versions {
		tc, ok := tests[v.Name]
		if !ok {
			t.Errorf("no test for version %s", v.Name)
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			var headers []string
			for _, c := range v.AdditionalPrinterColumns {
				headers = append(headers, strings.ToUpper(c.Name))
			}
			if diff := cmp.Diff([]string{"REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"}, headers); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			convertor, err := tableconvertor.New(v.AdditionalPrinterColumns)
			if err != nil {
				t.Fatal(err)
			}
			table, err := convertor.ConvertToTable(context.Background(), toUnstructured(t, tc.object), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, table.Rows[0].Cells); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func cpuMetric(utilization int32) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name:   corev1.ResourceCPU,
		Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: &utilization},
	}}
}

func from(t *testing.T, hub *v2.HorizontalPodAutoscaler, spoke conversion.Convertible) runtime.Object {
	t.Helper()
	if err := spoke.ConvertFrom(hub); err != nil {
		t.Fatal(err)
	}
	return spoke
}

// toUnstructured returns obj as the API server holds a custom resource: decoded JSON.
func toUnstructured(t *testing.T, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(append([]byte(`{"apiVersion":"autoscaling.mhpa.dev/v2","kind":"HorizontalPodAutoscaler",`), data[1:]...)); err != nil {
		t.Fatal(err)
	}
	return u
}
