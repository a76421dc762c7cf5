package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	mhpav1 "github.com/mhpa-dev/mhpa/api/v1"
	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	mhpav2beta1 "github.com/mhpa-dev/mhpa/api/v2beta1"
	mhpav2beta2 "github.com/mhpa-dev/mhpa/api/v2beta2"
	"github.com/mhpa-dev/mhpa/internal/validation/validationtest"
	mhpawebhook "github.com/mhpa-dev/mhpa/internal/webhook"
)

var v2Kind = metav1.GroupVersionKind{Group: "autoscaling.mhpa.dev", Version: "v2", Kind: "HorizontalPodAutoscaler"}

func request(t *testing.T, op admissionv1.Operation, obj, old any) admission.Request {
	t.Helper()
	raw := func(o any) runtime.RawExtension {
		if o == nil {
			return runtime.RawExtension{}
		}
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return runtime.RawExtension{Raw: data}
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: types.UID("uid"), Kind: v2Kind, RequestKind: &v2Kind, Operation: op,
		Object: raw(obj), OldObject: raw(old),
	}}
}

func TestValidatorRejectsEveryInvalidCase(t *testing.T) {
	v := &mhpawebhook.Validator{}
	for _, tc := range validationtest.Invalid() {
		t.Run(tc.Name, func(t *testing.T) {
			obj, err := tc.Object()
			if err != nil {
				t.Fatal(err)
			}
			resp := v.Handle(context.Background(), request(t, admissionv1.Create, obj, nil))
			if resp.Allowed {
				t.Fatalf("allowed")
			}
			if resp.Result.Code != http.StatusUnprocessableEntity || resp.Result.Reason != metav1.StatusReasonInvalid {
				t.Errorf("code %d reason %q, want 422 Invalid", resp.Result.Code, resp.Result.Reason)
			}
			var gotFields []string
			for _, c := range resp.Result.Details.Causes {
				gotFields = append(gotFields, c.Field)
			}
			for _, e := range tc.Errors {
				if !slices.Contains(gotFields, e.Path) {
					t.Errorf("no cause for %s in %v", e.Path, gotFields)
				}
				if !strings.Contains(resp.Result.Message, e.Contains) {
					t.Errorf("message %q does not contain %q", resp.Result.Message, e.Contains)
				}
			}
		})
	}
}

func TestValidator(t *testing.T) {
	v := &mhpawebhook.Validator{}
	valid := validationtest.Valid("web")
	invalid := validationtest.Valid("web")
	invalid.Spec.MaxReplicas = 0

	t.Run("valid create", func(t *testing.T) {
		if resp := v.Handle(context.Background(), request(t, admissionv1.Create, valid, nil)); !resp.Allowed {
			t.Errorf("denied: %v", resp.Result)
		}
	})
	t.Run("update keeps a stored apiVersion without group", func(t *testing.T) {
		old := validationtest.Valid("web")
		old.Spec.ScaleTargetRef.APIVersion = "v1"
		updated := old.DeepCopy()
		updated.Spec.MaxReplicas = 20
		if resp := v.Handle(context.Background(), request(t, admissionv1.Update, updated, old)); !resp.Allowed {
			t.Errorf("denied: %v", resp.Result)
		}
		if resp := v.Handle(context.Background(), request(t, admissionv1.Create, updated, nil)); resp.Allowed {
			t.Errorf("a create with the same apiVersion was allowed")
		}
	})
	t.Run("request in another version names it", func(t *testing.T) {
		req := request(t, admissionv1.Create, invalid, nil)
		req.RequestKind = &metav1.GroupVersionKind{Group: "autoscaling.mhpa.dev", Version: "v1", Kind: "HorizontalPodAutoscaler"}
		resp := v.Handle(context.Background(), req)
		if resp.Allowed || !strings.Contains(resp.Result.Message, "the request was autoscaling.mhpa.dev/v1") {
			t.Errorf("response %v does not name the request's version", resp.Result)
		}
	})
	t.Run("delete is allowed", func(t *testing.T) {
		if resp := v.Handle(context.Background(), request(t, admissionv1.Delete, nil, invalid)); !resp.Allowed {
			t.Errorf("denied: %v", resp.Result)
		}
	})
	t.Run("another version is an error", func(t *testing.T) {
		req := request(t, admissionv1.Create, valid, nil)
		req.Kind.Version = "v1"
		resp := v.Handle(context.Background(), req)
		if resp.Allowed || resp.Result.Code != http.StatusBadRequest || !strings.Contains(resp.Result.Message, "matchPolicy Equivalent") {
			t.Errorf("response %v, want a 400 that explains the registration", resp.Result)
		}
	})
}

func TestDefaulter(t *testing.T) {
	d := &mhpawebhook.Defaulter{Default: mhpav2.SetDefaults_HorizontalPodAutoscaler}
	tests := []struct {
		name string
		obj  func() map[string]any
		want []jsonpatch.JsonPatchOperation
	}{
		{
			name: "complete object",
			obj: func() map[string]any {
				h := validationtest.Valid("web")
				h.Spec.Behavior = validationtest.Behavior()
				h.Spec.Behavior.ScaleDown.StabilizationWindowSeconds = nil // the default leaves it unset
				return toMap(t, h)
			},
		},
		{
			name: "no behavior, no minReplicas, no metrics",
			obj: func() map[string]any {
				h := validationtest.Valid("web")
				h.Spec.MinReplicas, h.Spec.Metrics = nil, nil
				return toMap(t, h)
			},
			want: []jsonpatch.JsonPatchOperation{
				{Operation: "add", Path: "/spec/metrics", Value: []any{map[string]any{
					"type": "PodResource", "podResource": map[string]any{
						"name": "cpu", "target": map[string]any{"type": "Utilization", "averageUtilization": float64(80)}},
				}}},
				{Operation: "add", Path: "/spec/minReplicas", Value: float64(1)},
			},
		},
		{
			name: "behavior with an empty scaleUp",
			obj: func() map[string]any {
				h := validationtest.Valid("web")
				h.Spec.Behavior = &mhpav2.HorizontalPodAutoscalerBehavior{ScaleUp: &mhpav2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](30)}}
				return toMap(t, h)
			},
			want: []jsonpatch.JsonPatchOperation{
				{Operation: "add", Path: "/spec/behavior/scaleDown", Value: map[string]any{
					"selectPolicy": "MaxChange",
					"policies":     []any{map[string]any{"type": "Percent", "value": float64(100), "periodSeconds": float64(15)}},
				}},
				{Operation: "add", Path: "/spec/behavior/scaleUp/policies", Value: []any{
					map[string]any{"type": "Pods", "value": float64(4), "periodSeconds": float64(15)},
					map[string]any{"type": "Percent", "value": float64(100), "periodSeconds": float64(15)},
				}},
				{Operation: "add", Path: "/spec/behavior/scaleUp/selectPolicy", Value: "MaxChange"},
			},
		},
		{
			name: "an unknown field of a metric is left for validation",
			obj: func() map[string]any {
				obj := toMap(t, validationtest.Valid("web"))
				m := obj["spec"].(map[string]any)["metrics"].([]any)[0].(map[string]any)
				m["resource"] = m["podResource"]
				delete(m, "podResource")
				return obj
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := d.Handle(context.Background(), request(t, admissionv1.Create, tc.obj(), nil))
			if !resp.Allowed {
				t.Fatalf("denied: %v", resp.Result)
			}
			got := slices.Clone(resp.Patches)
			slices.SortFunc(got, func(a, b jsonpatch.JsonPatchOperation) int { return strings.Compare(a.Path, b.Path) })
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

func toMap(t *testing.T, obj any) map[string]any {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConvert sends a ConversionReview to the registered /convert handler, as the API server
// does, and checks a v1 object comes back as v2 and the other way round.
func TestConvert(t *testing.T) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{mhpav1.AddToScheme, mhpav2beta1.AddToScheme, mhpav2beta2.AddToScheme, mhpav2.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	server := webhook.NewServer(webhook.Options{})
	if err := mhpawebhook.Register(server, mhpawebhook.Options{Scheme: scheme, Default: mhpav2.SetDefaults_HorizontalPodAutoscaler}); err != nil {
		t.Fatal(err)
	}
	convert := func(desired string, obj any) map[string]any {
		t.Helper()
		review := apiextensionsv1.ConversionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "ConversionReview"},
			Request: &apiextensionsv1.ConversionRequest{
				UID: "uid", DesiredAPIVersion: desired,
				Objects: []runtime.RawExtension{{Raw: mustJSON(t, obj)}},
			},
		}
		rec := httptest.NewRecorder()
		server.WebhookMux().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, mhpawebhook.ConvertPath, bytes.NewReader(mustJSON(t, review))))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var out apiextensionsv1.ConversionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if out.Response.Result.Status != metav1.StatusSuccess || len(out.Response.ConvertedObjects) != 1 {
			t.Fatalf("conversion failed: %+v", out.Response.Result)
		}
		return toMap(t, json.RawMessage(out.Response.ConvertedObjects[0].Raw))
	}

	v1obj := map[string]any{
		"apiVersion": "autoscaling.mhpa.dev/v1", "kind": "HorizontalPodAutoscaler",
		"metadata": map[string]any{"name": "web", "namespace": "default"},
		"spec": map[string]any{
			"scaleTargetRef":                 map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
			"minReplicas":                    float64(2),
			"maxReplicas":                    float64(10),
			"targetCPUUtilizationPercentage": float64(70),
		},
	}
	v2obj := convert("autoscaling.mhpa.dev/v2", v1obj)
	wantMetrics := []any{map[string]any{"type": "PodResource", "podResource": map[string]any{
		"name": "cpu", "target": map[string]any{"type": "Utilization", "averageUtilization": float64(70)}}}}
	if diff := cmp.Diff(wantMetrics, v2obj["spec"].(map[string]any)["metrics"]); diff != "" {
		t.Errorf("v2 metrics (-want +got):\n%s", diff)
	}
	back := convert("autoscaling.mhpa.dev/v1", v2obj)
	if diff := cmp.Diff(v1obj["spec"], back["spec"]); diff != "" {
		t.Errorf("v1 -> v2 -> v1 changed the spec (-want +got):\n%s", diff)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
