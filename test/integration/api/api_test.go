package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	mhpav1 "github.com/mhpa-dev/mhpa/api/v1"
	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	mhpav2beta1 "github.com/mhpa-dev/mhpa/api/v2beta1"
	mhpav2beta2 "github.com/mhpa-dev/mhpa/api/v2beta2"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/validation/validationtest"
)

// versions are the served versions, oldest first.
var versions = []string{"v1", "v2beta1", "v2beta2", "v2"}

// newObject returns an empty typed object of version.
func newObject(version string) client.Object {
	switch version {
	case "v1":
		return &mhpav1.HorizontalPodAutoscaler{}
	case "v2beta1":
		return &mhpav2beta1.HorizontalPodAutoscaler{}
	case "v2beta2":
		return &mhpav2beta2.HorizontalPodAutoscaler{}
	case "v2":
		return &mhpav2.HorizontalPodAutoscaler{}
	}
	panic("unknown version " + version)
}

// specOf returns the spec of a typed object of any version.
func specOf(obj client.Object) any {
	switch o := obj.(type) {
	case *mhpav1.HorizontalPodAutoscaler:
		return o.Spec
	case *mhpav2beta1.HorizontalPodAutoscaler:
		return o.Spec
	case *mhpav2beta2.HorizontalPodAutoscaler:
		return o.Spec
	case *mhpav2.HorizontalPodAutoscaler:
		return o.Spec
	}
	panic(fmt.Sprintf("unknown type %T", obj))
}

// toHub converts a typed object of any version to v2 with the Go conversion.
func toHub(t *testing.T, obj client.Object) *mhpav2.HorizontalPodAutoscaler {
	t.Helper()
	if hub, ok := obj.(*mhpav2.HorizontalPodAutoscaler); ok {
		return hub.DeepCopy()
	}
	hub := &mhpav2.HorizontalPodAutoscaler{}
	if err := obj.(conversion.Convertible).ConvertTo(hub); err != nil {
		t.Fatalf("converting %T to v2: %v", obj, err)
	}
	return hub
}

// Objects created in each version; every field is set that defaulting would set, so that what
// is read back equals what was sent.
var versionObjects = map[string]string{
	"v1": `
apiVersion: autoscaling.mhpa.dev/v1
kind: HorizontalPodAutoscaler
metadata: {name: from-v1, namespace: versions, labels: {app: web}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  targetCPUUtilizationPercentage: 70
`,
	"v2beta1": `
apiVersion: autoscaling.mhpa.dev/v2beta1
kind: HorizontalPodAutoscaler
metadata: {name: from-v2beta1, namespace: versions}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  minReplicas: 1
  maxReplicas: 20
  metrics:
  - type: Resource
    resource: {name: cpu, targetAverageUtilization: 60}
  - type: Pods
    pods: {metricName: transactions_per_second, targetAverageValue: "10"}
  - type: Object
    object:
      target: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: web}
      metricName: requests_per_second
      targetValue: "100"
  - type: External
    external:
      metricName: queue_length
      metricSelector: {matchLabels: {queue: jobs}}
      targetAverageValue: "30"
`,
	"v2beta2": `
apiVersion: autoscaling.mhpa.dev/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: from-v2beta2, namespace: versions}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 3
  maxReplicas: 15
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}
  - type: ContainerResource
    containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 50}}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      selectPolicy: Max
      policies:
      - {type: Pods, value: 4, periodSeconds: 15}
      - {type: Percent, value: 100, periodSeconds: 15}
    scaleDown:
      stabilizationWindowSeconds: 120
      selectPolicy: Disabled
      policies:
      - {type: Percent, value: 50, periodSeconds: 60}
`,
	"v2": `
apiVersion: autoscaling.mhpa.dev/v2
kind: HorizontalPodAutoscaler
metadata: {name: from-v2, namespace: versions, annotations: {team: search}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: search}
  minReplicas: 0
  maxReplicas: 30
  metrics:
  - type: PodResource
    podResource: {name: cpu, subdomain: tenant-a, target: {type: Utilization, averageUtilization: 75}}
  - type: External
    shadow: true
    external:
      metric: {name: queue_length, selector: {matchLabels: {queue: search}}}
      subdomain: new-provider
      target: {type: AverageValue, averageValue: "30"}
  - type: Object
    object:
      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: search}
      metric: {name: requests_per_second}
      subdomain: prom
      target: {type: Value, value: "100"}
  - type: ContainerResource
    containerResource: {name: memory, container: app, target: {type: AverageValue, averageValue: 1Gi}}
  - type: Pods
    pods: {metric: {name: transactions_per_second}, target: {type: AverageValue, averageValue: "10"}}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 30
      selectPolicy: MinChange
      tolerance: 50m
      policies:
      - {type: Pods, value: 2, periodSeconds: 60}
    scaleDown:
      stabilizationWindowSeconds: 600
      selectPolicy: ScalingDisabled
      policies:
      - {type: Percent, value: 10, periodSeconds: 60}
`,
}

// metaOf returns what the tests compare of an object's metadata.
func metaOf(obj client.Object) map[string]any {
	return map[string]any{"labels": obj.GetLabels(), "annotations": obj.GetAnnotations()}
}

var equateEmpty = cmpopts.EquateEmpty()

func TestAPI(t *testing.T) {
	e := startEnv(t)
	ctx := t.Context()
	e.createNamespace(t, "versions")
	e.createNamespace(t, "invalid")
	e.createNamespace(t, "defaults")

	sent := map[string]client.Object{}
	for _, v := range versions {
		obj := newObject(v)
		typedFromYAML(t, versionObjects[v], obj)
		sent[v] = obj.DeepCopyObject().(client.Object)
		if err := e.client.Create(ctx, obj); err != nil {
			t.Fatalf("creating the %s object: %v", v, err)
		}
	}

	t.Run("each object reads back unchanged in its own version", func(t *testing.T) {
		for _, v := range versions {
			got := newObject(v)
			if err := e.client.Get(ctx, client.ObjectKeyFromObject(sent[v]), got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(specOf(sent[v]), specOf(got), equateEmpty); diff != "" {
				t.Errorf("%s: spec (-sent +read):\n%s", v, diff)
			}
			if diff := cmp.Diff(metaOf(sent[v]), metaOf(got), equateEmpty); diff != "" {
				t.Errorf("%s: metadata (-sent +read):\n%s", v, diff)
			}
		}
	})

	t.Run("each object reads in every version", func(t *testing.T) {
		for _, created := range versions {
			key := client.ObjectKeyFromObject(sent[created])
			hub := &mhpav2.HorizontalPodAutoscaler{}
			if err := e.client.Get(ctx, key, hub); err != nil {
				t.Fatal(err)
			}
			// The API server's conversion of the stored object to each version, taken back to
			// v2 with the Go conversion, is the stored object.
			for _, read := range versions {
				u, err := e.dynamic.Resource(hpaResource(read)).Namespace(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatalf("reading %s as %s: %v", key.Name, read, err)
				}
				if got, want := u.GetAPIVersion(), "autoscaling.mhpa.dev/"+read; got != want {
					t.Errorf("reading %s as %s returned apiVersion %s", key.Name, read, got)
				}
				got := newObject(read)
				fromUnstructured(t, u, got)
				back := toHub(t, got)
				if diff := cmp.Diff(hub.Spec, back.Spec, equateEmpty); diff != "" {
					t.Errorf("%s read as %s: spec differs from the stored v2 (-stored +read):\n%s", key.Name, read, diff)
				}
				if diff := cmp.Diff(metaOf(hub), metaOf(back), equateEmpty); diff != "" {
					t.Errorf("%s read as %s: metadata differs from the stored v2 (-stored +read):\n%s", key.Name, read, diff)
				}
			}
		}
		// Spot checks that the versions really differ in shape.
		v1 := &mhpav1.HorizontalPodAutoscaler{}
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(sent["v2"]), v1); err != nil {
			t.Fatal(err)
		}
		if got := ptr.Deref(v1.Spec.TargetCPUUtilizationPercentage, 0); got != 75 {
			t.Errorf("from-v2 read as v1: targetCPUUtilizationPercentage = %d, want 75", got)
		}
		if v1.Annotations[mhpav2.SubdomainsAnnotation] == "" || v1.Annotations[mhpav2.BehaviorAnnotation] == "" {
			t.Errorf("from-v2 read as v1 carries no subdomains or behavior annotation: %v", v1.Annotations)
		}
		hub := &mhpav2.HorizontalPodAutoscaler{}
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(sent["v1"]), hub); err != nil {
			t.Fatal(err)
		}
		if len(hub.Spec.Metrics) != 1 || hub.Spec.Metrics[0].PodResource == nil ||
			ptr.Deref(hub.Spec.Metrics[0].PodResource.Target.AverageUtilization, 0) != 70 {
			t.Errorf("from-v1 read as v2: metrics = %+v, want one podResource cpu metric at 70%%", hub.Spec.Metrics)
		}
	})

	t.Run("objects survive a write through another version", func(t *testing.T) {
		// X -> v2 -> X: an object of version X, written back through v2, reads as before in X;
		// and v2 -> X -> v2: the v2 object, written back through X, reads as before in v2.
		for _, x := range versions[:3] {
			for _, path := range [][2]string{{x, "v2"}, {"v2", x}} {
				from, through := path[0], path[1]
				key := client.ObjectKeyFromObject(sent[from])
				obj := newObject(through)
				if err := e.client.Get(ctx, key, obj); err != nil {
					t.Fatal(err)
				}
				labels := obj.GetLabels()
				if labels == nil {
					labels = map[string]string{}
				}
				labels["written-through"] = through
				obj.SetLabels(labels)
				if err := e.client.Update(ctx, obj); err != nil {
					t.Fatalf("%s -> %s -> %s: writing through %s: %v", from, through, from, through, err)
				}
				got := newObject(from)
				if err := e.client.Get(ctx, key, got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(specOf(sent[from]), specOf(got), equateEmpty); diff != "" {
					t.Errorf("%s -> %s -> %s: spec (-sent +read):\n%s", from, through, from, diff)
				}
				wantAnnotations := sent[from].GetAnnotations()
				if diff := cmp.Diff(wantAnnotations, got.GetAnnotations(), equateEmpty); diff != "" {
					t.Errorf("%s -> %s -> %s: annotations (-sent +read):\n%s", from, through, from, diff)
				}
				if got.GetLabels()["written-through"] != through {
					t.Errorf("%s -> %s -> %s: the label written through %s is lost: %v", from, through, from, through, got.GetLabels())
				}
			}
		}
	})

	t.Run("kubectl get mhpa prints the columns of kubectl get hpa", func(t *testing.T) {
		want := []string{"NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"}
		for _, v := range versions {
			cols, rows := e.table(t, v, "versions")
			if diff := cmp.Diff(want, cols); diff != "" {
				t.Errorf("%s table columns (-want +got):\n%s", v, diff)
			}
			if len(rows) != len(versions) {
				t.Errorf("%s table has %d rows, want %d", v, len(rows), len(versions))
			}
			for _, row := range rows {
				if row[0] == "from-v2" && (fmt.Sprint(row[3]) != "0" || fmt.Sprint(row[4]) != "30") {
					t.Errorf("%s table row of from-v2: MINPODS %v MAXPODS %v, want 0 and 30", v, row[3], row[4])
				}
			}
		}

		kubectl := filepath.Join(controlplane.DefaultBinDir(), "kubectl")
		out, err := exec.CommandContext(ctx, kubectl, "--kubeconfig", e.cp.KubeconfigPath(), "get", "mhpa", "-n", "versions").CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl get mhpa: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if diff := cmp.Diff(want, strings.Fields(lines[0])); diff != "" {
			t.Errorf("kubectl get mhpa header (-want +got):\n%s\n%s", diff, out)
		}
		if len(lines) != 1+len(versions) {
			t.Errorf("kubectl get mhpa printed %d objects, want %d:\n%s", len(lines)-1, len(versions), out)
		}
	})

	t.Run("deprecated versions warn", func(t *testing.T) {
		for _, v := range versions {
			warnings := &warningCollector{}
			cfg := rest.CopyConfig(e.cfg)
			cfg.WarningHandler = warnings
			dyn, err := dynamic.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dyn.Resource(hpaResource(v)).Namespace("versions").Get(ctx, "from-v2", metav1.GetOptions{}); err != nil {
				t.Fatal(err)
			}
			deprecated := v == "v2beta1" || v == "v2beta2"
			want := fmt.Sprintf("autoscaling.mhpa.dev/%s HorizontalPodAutoscaler is deprecated", v)
			got := warnings.all()
			if found := slices.ContainsFunc(got, func(w string) bool { return strings.Contains(w, want) }); found != deprecated {
				t.Errorf("%s: warnings %q; want a deprecation warning: %v", v, got, deprecated)
			}
		}
	})

	t.Run("defaulting", func(t *testing.T) {
		create := func(doc string) *mhpav2.HorizontalPodAutoscaler {
			t.Helper()
			obj := &mhpav2.HorizontalPodAutoscaler{}
			typedFromYAML(t, doc, obj)
			if err := e.client.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
			got := &mhpav2.HorizontalPodAutoscaler{}
			if err := e.client.Get(ctx, client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatal(err)
			}
			return got
		}
		bare := create(`
metadata: {name: bare, namespace: defaults}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
`)
		wantBare := mhpav2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: mhpav2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1),
			MaxReplicas:    5,
			Metrics:        []mhpav2.MetricSpec{validationtest.CPUMetric(80)},
		}
		if diff := cmp.Diff(wantBare, bare.Spec, equateEmpty); diff != "" {
			t.Errorf("an object without behavior: spec (-want +got):\n%s", diff)
		}

		partial := create(`
metadata: {name: partial-behavior, namespace: defaults}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  behavior:
    scaleDown: {stabilizationWindowSeconds: 60}
`)
		wantBehavior := &mhpav2.HorizontalPodAutoscalerBehavior{
			ScaleUp: &mhpav2.HPAScalingRules{
				StabilizationWindowSeconds: ptr.To[int32](0),
				SelectPolicy:               ptr.To(mhpav2.MaxChangePolicySelect),
				Policies: []mhpav2.HPAScalingPolicy{
					{Type: mhpav2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
					{Type: mhpav2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
				},
			},
			ScaleDown: &mhpav2.HPAScalingRules{
				StabilizationWindowSeconds: ptr.To[int32](60),
				SelectPolicy:               ptr.To(mhpav2.MaxChangePolicySelect),
				Policies:                   []mhpav2.HPAScalingPolicy{{Type: mhpav2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}},
			},
		}
		if diff := cmp.Diff(wantBehavior, partial.Spec.Behavior); diff != "" {
			t.Errorf("a partial behavior: behavior (-want +got):\n%s", diff)
		}

		// Through v1, whose requests are defaulted as v2.
		v1 := &mhpav1.HorizontalPodAutoscaler{}
		typedFromYAML(t, `
metadata: {name: v1-bare, namespace: defaults}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
`, v1)
		if err := e.client.Create(ctx, v1); err != nil {
			t.Fatal(err)
		}
		if got := ptr.Deref(v1.Spec.MinReplicas, 0); got != 1 {
			t.Errorf("a v1 object without minReplicas: minReplicas = %d, want 1", got)
		}
		hub := &mhpav2.HorizontalPodAutoscaler{}
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(v1), hub); err != nil {
			t.Fatal(err)
		}
		if hub.Spec.Behavior != nil {
			t.Errorf("a v1 object got a behavior: %+v", hub.Spec.Behavior)
		}
	})

	t.Run("invalid objects are rejected with their field paths and messages", func(t *testing.T) {
		cases := validationtest.Invalid()
		if len(cases) < 40 {
			t.Errorf("only %d invalid objects, want at least 40", len(cases))
		}
		for _, tc := range cases {
			t.Run(tc.Name, func(t *testing.T) {
				obj, err := tc.Object()
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.dynamic.Resource(hpaResource("v2")).Namespace("invalid").
					Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{FieldValidation: "Strict"})
				checkRejected(t, err, tc.Errors)
			})
		}
	})

	t.Run("the field resource is rejected in every field validation mode", func(t *testing.T) {
		var tc validationtest.Case
		for _, c := range validationtest.Invalid() {
			if c.Name == "metric-field-resource-renamed" {
				tc = c
			}
		}
		for _, mode := range []string{"", "Ignore", "Warn", "Strict"} {
			obj, err := tc.Object()
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.dynamic.Resource(hpaResource("v2")).Namespace("invalid").
				Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{FieldValidation: mode})
			t.Run("mode "+mode, func(t *testing.T) { checkRejected(t, err, tc.Errors) })
		}
	})

	t.Run("requests of older versions are validated as v2", func(t *testing.T) {
		tests := []struct {
			name, version, doc string
			want               []validationtest.Expected
		}{
			{
				name: "v1 scale to zero without an object or external metric", version: "v1",
				doc: `
apiVersion: autoscaling.mhpa.dev/v1
kind: HorizontalPodAutoscaler
metadata: {name: v1-zero}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 0
  maxReplicas: 3
`,
				want: []validationtest.Expected{{Path: "spec.minReplicas", Contains: "may be 0 only when"}},
			},
			{
				name: "v2beta2 subdomain annotation that is not a DNS label", version: "v2beta2",
				doc: `
apiVersion: autoscaling.mhpa.dev/v2beta2
kind: HorizontalPodAutoscaler
metadata:
  name: v2beta2-subdomain
  annotations: {autoscaling.mhpa.dev/subdomains: '["Tenant_A"]'}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  metrics:
  - type: External
    external:
      metric: {name: queue_length}
      target: {type: Value, value: "10"}
`,
				want: []validationtest.Expected{{Path: "spec.metrics[0].external.subdomain", Contains: `Invalid value: "Tenant_A"`}},
			},
			{
				name: "v2beta1 scale target without group", version: "v2beta1",
				doc: `
apiVersion: autoscaling.mhpa.dev/v2beta1
kind: HorizontalPodAutoscaler
metadata: {name: v2beta1-group}
spec:
  scaleTargetRef: {apiVersion: v1, kind: Deployment, name: web}
  maxReplicas: 3
`,
				want: []validationtest.Expected{{Path: "spec.scaleTargetRef.apiVersion", Contains: "must name an API group"}},
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.dynamic.Resource(hpaResource(tc.version)).Namespace("invalid").
					Create(ctx, unstructuredFromYAML(t, tc.doc), metav1.CreateOptions{})
				checkRejected(t, err, tc.want)
				if err != nil && !strings.Contains(err.Error(), "the request was autoscaling.mhpa.dev/"+tc.version) {
					t.Errorf("the error does not say the request was converted from %s: %v", tc.version, err)
				}
			})
		}
	})

	t.Run("status replicas are not negative", func(t *testing.T) {
		obj := &mhpav2.HorizontalPodAutoscaler{}
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(sent["v2"]), obj); err != nil {
			t.Fatal(err)
		}
		obj.Status.CurrentReplicas, obj.Status.DesiredReplicas = 3, 4
		if err := e.client.Status().Update(ctx, obj); err != nil {
			t.Fatalf("a valid status update failed: %v", err)
		}
		obj.Status.DesiredReplicas = -1
		err := e.client.Status().Update(ctx, obj)
		checkRejected(t, err, []validationtest.Expected{{Path: "status.desiredReplicas", Contains: "greater than or equal to 0"}})
	})

	t.Run("an update is validated", func(t *testing.T) {
		obj := &mhpav2.HorizontalPodAutoscaler{}
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(sent["v2"]), obj); err != nil {
			t.Fatal(err)
		}
		obj.Spec.Behavior.ScaleDown.SelectPolicy = ptr.To[mhpav2.ScalingPolicySelect]("Max")
		err := e.client.Update(ctx, obj)
		checkRejected(t, err, []validationtest.Expected{{Path: "spec.behavior.scaleDown.selectPolicy", Contains: `renamed to "MaxChange"`}})
		obj.Spec.Behavior.ScaleDown.SelectPolicy = ptr.To(mhpav2.MaxChangePolicySelect)
		obj.Spec.Metrics[2].Object.Target.Value = nil
		err = e.client.Update(ctx, obj)
		checkRejected(t, err, []validationtest.Expected{{Path: "spec.metrics[2].object.target.averageValue", Contains: "must set either value or averageValue"}})
	})
}

// checkRejected checks that err rejects an object as invalid with at least the expected errors:
// a cause at each path whose message contains the expected text.
func checkRejected(t *testing.T, err error, want []validationtest.Expected) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want rejected with %v", want)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || !apierrors.IsInvalid(err) {
		t.Fatalf("want an Invalid (422) error, got %v", err)
	}
	var causes []metav1.StatusCause
	if d := status.Status().Details; d != nil {
		causes = d.Causes
	}
	for _, w := range want {
		if !slices.ContainsFunc(causes, func(c metav1.StatusCause) bool {
			return c.Field == w.Path && strings.Contains(c.Message, w.Contains)
		}) {
			t.Errorf("no cause at %s containing %q\nerror: %v", w.Path, w.Contains, err)
		}
	}
}

// table lists the objects of namespace in version as a Table, the way kubectl asks for them,
// and returns the column names (upper case, as kubectl prints them) and the rows' cells.
func (e *env) table(t *testing.T, version, namespace string) ([]string, [][]any) {
	t.Helper()
	httpClient, err := rest.HTTPClientFor(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/apis/autoscaling.mhpa.dev/%s/namespaces/%s/horizontalpodautoscalers", e.cfg.Host, version, namespace)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as Table: %s: %s", url, resp.Status, body)
	}
	var table metav1.Table
	if err := json.Unmarshal(body, &table); err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, strings.ToUpper(c.Name))
	}
	var rows [][]any
	for _, r := range table.Rows {
		rows = append(rows, r.Cells)
	}
	return cols, rows
}

// warningCollector keeps the warnings of the responses of a client.
type warningCollector struct {
	mu       sync.Mutex
	warnings []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *warningCollector) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

func (w *warningCollector) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.warnings)
}
