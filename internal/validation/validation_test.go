package validation_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/validation"
	"github.com/mhpa-dev/mhpa/internal/validation/validationtest"
)

// validateJSON validates raw as the validating webhook does: the field names of the metrics in
// the JSON, then the object decoded into the v2 types.
func validateJSON(t *testing.T, raw []byte, old *mhpav2.HorizontalPodAutoscaler) field.ErrorList {
	t.Helper()
	errs := validation.ValidateMetricFields(raw)
	hpa := &mhpav2.HorizontalPodAutoscaler{}
	if err := json.Unmarshal(raw, hpa); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	if old == nil {
		return append(errs, validation.ValidateHorizontalPodAutoscaler(hpa)...)
	}
	return append(errs, validation.ValidateHorizontalPodAutoscalerUpdate(hpa, old)...)
}

func paths(errs field.ErrorList) []string {
	var ps []string
	for _, e := range errs {
		ps = append(ps, e.Field)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

func TestInvalidCases(t *testing.T) {
	cases := validationtest.Invalid()
	if len(cases) < 40 {
		t.Errorf("the table has %d invalid objects, want at least 40", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if seen[tc.Name] {
				t.Fatalf("duplicate case name %q", tc.Name)
			}
			seen[tc.Name] = true
			obj, err := tc.Object()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			errs := validateJSON(t, raw, nil)

			var want []string
			for _, e := range tc.Errors {
				want = append(want, e.Path)
			}
			slices.Sort(want)
			if diff := cmp.Diff(slices.Compact(want), paths(errs)); diff != "" {
				t.Errorf("field paths of the errors (-want +got):\n%s\nerrors: %v", diff, errs)
			}
			for _, e := range tc.Errors {
				found := false
				for _, got := range errs {
					found = found || (got.Field == e.Path && strings.Contains(got.Error(), e.Contains))
				}
				if !found {
					t.Errorf("no error at %s contains %q; errors: %v", e.Path, e.Contains, errs)
				}
			}
		})
	}
}

// TestEveryErrorNamesWhatIsAllowed checks the shape of every message: the field path first,
// then, for an invalid value, the value itself.
func TestEveryErrorNamesPathAndValue(t *testing.T) {
	for _, tc := range validationtest.Invalid() {
		obj, err := tc.Object()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(obj)
		for _, e := range validateJSON(t, raw, nil) {
			msg := e.Error()
			if !strings.HasPrefix(msg, e.Field+": ") {
				t.Errorf("%s: message %q does not start with the field path", tc.Name, msg)
			}
			if e.Type == field.ErrorTypeInvalid || e.Type == field.ErrorTypeNotSupported {
				if e.BadValue == nil {
					t.Errorf("%s: %q has no bad value", tc.Name, msg)
				}
			}
			if e.Detail == "" && e.Type != field.ErrorTypeNotSupported {
				t.Errorf("%s: %q does not say what is allowed", tc.Name, msg)
			}
		}
	}
}

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

func TestValidObjects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*mhpav2.HorizontalPodAutoscaler)
	}{
		{name: "cpu utilization"},
		{name: "no metrics and no min replicas", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.Metrics, h.Spec.MinReplicas = nil, nil
		}},
		{name: "every metric type with subdomains", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			metrics := []mhpav2.MetricSpec{validationtest.CPUMetric(50), validationtest.ContainerMetric(),
				validationtest.PodsMetric(), validationtest.ObjectMetric(), validationtest.ExternalMetric()}
			metrics[0].PodResource.Subdomain = "tenant-a"
			metrics[1].ContainerResource.Subdomain = "0"
			metrics[2].Pods.Subdomain = strings.Repeat("a", 63)
			metrics[3].Object.Subdomain = "prom"
			metrics[4].External.Subdomain = "queue-metrics"
			metrics[4].Shadow = true
			h.Spec.Metrics = metrics
		}},
		{name: "subdomains custom and external where they name no other API's group", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			// custom.custom.metrics.k8s.io, external.external.metrics.k8s.io and
			// custom.external.metrics.k8s.io are groups of their own.
			metrics := []mhpav2.MetricSpec{validationtest.PodsMetric(), validationtest.ObjectMetric(), validationtest.ExternalMetric()}
			metrics[0].Pods.Subdomain = "custom"
			metrics[1].Object.Subdomain = "external"
			metrics[2].External.Subdomain = "custom"
			h.Spec.Metrics = metrics
		}},
		{name: "scale to zero with an external metric", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.MinReplicas = ptr.To[int32](0)
			h.Spec.Metrics = []mhpav2.MetricSpec{validationtest.ExternalMetric()}
		}},
		{name: "scale to zero with an object metric and a shadow metric", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			shadow := validationtest.ExternalMetric()
			shadow.Shadow = true
			h.Spec.MinReplicas = ptr.To[int32](0)
			h.Spec.Metrics = []mhpav2.MetricSpec{validationtest.ObjectMetric(), shadow}
		}},
		{name: "min replicas equal to max replicas", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.MinReplicas, h.Spec.MaxReplicas = ptr.To[int32](3), 3
		}},
		{name: "replication controller in the core group", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = mhpav2.CrossVersionObjectReference{APIVersion: "v1", Kind: "ReplicationController", Name: "rc"}
		}},
		{name: "described object in the core group or without apiVersion", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			a, b := validationtest.ObjectMetric(), validationtest.ObjectMetric()
			a.Object.DescribedObject = mhpav2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Service", Name: "web"}
			b.Object.DescribedObject = mhpav2.CrossVersionObjectReference{Kind: "Service", Name: "web"}
			b.Object.Target = mhpav2.MetricTarget{Type: mhpav2.AverageValueMetricType, AverageValue: quantity("5")}
			h.Spec.Metrics = []mhpav2.MetricSpec{a, b}
		}},
		{name: "container resources: hugepages and extended", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			a, b := validationtest.ContainerMetric(), validationtest.ContainerMetric()
			a.ContainerResource.Name = "hugepages-2Mi"
			b.ContainerResource.Name = "example.com/gpu"
			h.Spec.Metrics = []mhpav2.MetricSpec{a, b}
		}},
		{name: "complete behavior with bounds and zero tolerance", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = validationtest.Behavior()
			h.Spec.Behavior.ScaleUp.StabilizationWindowSeconds = ptr.To[int32](3600)
			h.Spec.Behavior.ScaleUp.Policies[0].PeriodSeconds = 1800
			h.Spec.Behavior.ScaleUp.Tolerance = quantity("0")
			h.Spec.Behavior.ScaleDown.SelectPolicy = ptr.To(mhpav2.DisabledPolicySelect)
			h.Spec.Behavior.ScaleDown.Tolerance = quantity("0.05")
		}},
		{name: "behavior with only scale down", mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = validationtest.Behavior()
			h.Spec.Behavior.ScaleUp = nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hpa := validationtest.Valid("valid")
			if tc.mutate != nil {
				tc.mutate(hpa)
			}
			raw, err := json.Marshal(hpa)
			if err != nil {
				t.Fatal(err)
			}
			if errs := validateJSON(t, raw, nil); len(errs) != 0 {
				t.Errorf("valid object rejected: %v", errs)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	withRef := func(apiVersion, kind string) func(*mhpav2.HorizontalPodAutoscaler) {
		return func(h *mhpav2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef.APIVersion, h.Spec.ScaleTargetRef.Kind = apiVersion, kind
		}
	}
	withDescribed := func(apiVersion string) func(*mhpav2.HorizontalPodAutoscaler) {
		return func(h *mhpav2.HorizontalPodAutoscaler) {
			m := validationtest.ObjectMetric()
			m.Object.DescribedObject.APIVersion = apiVersion
			h.Spec.Metrics = []mhpav2.MetricSpec{m}
		}
	}
	tests := []struct {
		name      string
		old, new  func(*mhpav2.HorizontalPodAutoscaler)
		wantPaths []string
	}{
		{
			name: "stored apiVersion without group is kept",
			old:  withRef("v1", "Deployment"),
			new:  withRef("v1", "Deployment"),
		},
		{
			name:      "changing the kind checks the apiVersion again",
			old:       withRef("v1", "Deployment"),
			new:       withRef("v1", "StatefulSet"),
			wantPaths: []string{"spec.scaleTargetRef.apiVersion"},
		},
		{
			name:      "a new invalid apiVersion is rejected",
			old:       withRef("apps/v1", "Deployment"),
			new:       withRef("v1", "Deployment"),
			wantPaths: []string{"spec.scaleTargetRef.apiVersion"},
		},
		{
			name: "stored invalid described object apiVersion is kept",
			old:  withDescribed("a/b/c"),
			new:  withDescribed("a/b/c"),
		},
		{
			name:      "invalid described object apiVersion on a valid stored object",
			old:       withDescribed("networking.k8s.io/v1"),
			new:       withDescribed("a/b/c"),
			wantPaths: []string{"spec.metrics[0].object.describedObject.apiVersion"},
		},
		{
			name:      "other rules still apply on update",
			new:       func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 },
			wantPaths: []string{"spec.maxReplicas"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oldHPA, newHPA := validationtest.Valid("x"), validationtest.Valid("x")
			if tc.old != nil {
				tc.old(oldHPA)
			}
			tc.new(newHPA)
			raw, err := json.Marshal(newHPA)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPaths, paths(validateJSON(t, raw, oldHPA))); diff != "" {
				t.Errorf("field paths of the errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateMetricFieldsMalformed(t *testing.T) {
	errs := validation.ValidateMetricFields([]byte(`{"spec":{"metrics":{"type":"Pods"}}}`))
	if diff := cmp.Diff([]string{"spec.metrics"}, paths(errs)); diff != "" {
		t.Errorf("field paths (-want +got):\n%s", diff)
	}
}
