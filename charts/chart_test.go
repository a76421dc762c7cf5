package charts_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/manifest"
)

var update = flag.Bool("update", false, "rewrite the generated chart files (hack/gen-chart.sh)")

const (
	chartDir        = "mhpa"
	crdTemplate     = "mhpa/templates/crd.yaml"
	defaultConfig   = "../config/default"
	installNS       = "mhpa-system"
	releaseNSMarker = "__RELEASE_NAMESPACE__"
	labelsMarker    = "__CHART_LABELS__"
)

// chartOnlyLabels and chartOnlyAnnotations are what the chart adds to config/'s objects: Helm's
// bookkeeping labels, and on the CRD the policy that keeps it (and every autoscaler) when the
// release is uninstalled.
var (
	chartOnlyLabels      = []string{"helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by"}
	chartOnlyAnnotations = []string{"helm.sh/resource-policy"}
)

// render renders the chart as `helm template` would for a release "mhpa" in namespace, with
// values (YAML) over the chart's defaults, and decodes the objects. Missing values are errors.
func render(t *testing.T, namespace, values string) []*unstructured.Unstructured {
	t.Helper()
	chart, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		t.Fatal(err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = chartutil.KubeVersion{Version: "v1.36.3", Major: "1", Minor: "36"}
	renderValues, err := chartutil.ToRenderValues(chart, vals, chartutil.ReleaseOptions{
		Name: "mhpa", Namespace: namespace, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Engine{Strict: true, LintMode: false}.Render(chart, renderValues)
	if err != nil {
		t.Fatalf("rendering the chart: %v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		decoded, err := manifest.Decode([]byte(files[name]))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, files[name])
		}
		objs = append(objs, decoded...)
	}
	return objs
}

// kustomize renders config/default in namespace, through an overlay that sets it when it is
// not the default one, as a user would install it elsewhere.
func kustomize(t *testing.T, namespace string) []*unstructured.Unstructured {
	t.Helper()
	dir := defaultConfig
	if namespace != installNS {
		overlay := t.TempDir()
		abs, err := filepath.Abs(defaultConfig)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(overlay, abs)
		if err != nil {
			t.Fatal(err)
		}
		k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: " + namespace + "\nresources:\n  - " + rel + "\n"
		if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o600); err != nil {
			t.Fatal(err)
		}
		dir = overlay
	}
	objs, err := manifest.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// withoutChartOnly returns u without the chart's own labels and annotations.
func withoutChartOnly(u *unstructured.Unstructured) *unstructured.Unstructured {
	u = u.DeepCopy()
	if l := u.GetLabels(); l != nil {
		for _, k := range chartOnlyLabels {
			delete(l, k)
		}
		u.SetLabels(l)
		if len(l) == 0 {
			unstructured.RemoveNestedField(u.Object, "metadata", "labels")
		}
	}
	if a := u.GetAnnotations(); a != nil {
		for _, k := range chartOnlyAnnotations {
			delete(a, k)
		}
		u.SetAnnotations(a)
		if len(a) == 0 {
			unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
		}
	}
	return u
}

// compare reports every difference between the chart's objects and config/'s, the
// Namespace (which Helm does not manage: install with --create-namespace) aside.
func compare(t *testing.T, chart, config []*unstructured.Unstructured) {
	t.Helper()
	config = slices.DeleteFunc(slices.Clone(config), func(u *unstructured.Unstructured) bool { return u.GetKind() == "Namespace" })
	if diff := cmp.Diff(manifest.Keys(config), manifest.Keys(chart)); diff != "" {
		t.Errorf("objects (-config/default +chart):\n%s", diff)
	}
	for _, want := range config {
		got := manifest.Find(chart, want.GetKind(), want.GetNamespace(), want.GetName())
		if got == nil {
			continue
		}
		if diff := cmp.Diff(want.Object, withoutChartOnly(got).Object); diff != "" {
			hint := "change charts/mhpa/templates to match config/"
			if want.GetKind() == "CustomResourceDefinition" {
				hint = "run hack/gen-chart.sh"
			}
			t.Errorf("%s differs (-config/default +chart; %s):\n%s", manifest.Key(want), hint, diff)
		}
	}
	for _, u := range chart {
		for _, k := range chartOnlyLabels {
			if _, ok := u.GetLabels()[k]; !ok {
				t.Errorf("%s lacks the label %s", manifest.Key(u), k)
			}
		}
	}
}

// TestChartMatchesConfigDefault: with its default values the chart installs exactly the
// objects of config/default, in the default namespace and in another one.
func TestChartMatchesConfigDefault(t *testing.T) {
	for _, ns := range []string{installNS, "autoscaling"} {
		t.Run(ns, func(t *testing.T) {
			chart := render(t, ns, "")
			compare(t, chart, kustomize(t, ns))
			for _, u := range chart {
				data, err := yaml.Marshal(u.Object)
				if err != nil {
					t.Fatal(err)
				}
				if ns != installNS && bytes.Contains(data, []byte(installNS)) {
					t.Errorf("%s names %s, in a release in namespace %s", manifest.Key(u), installNS, ns)
				}
			}
		})
	}
	crd := manifest.Find(render(t, installNS, ""), "CustomResourceDefinition", "", "horizontalpodautoscalers.autoscaling.mhpa.dev")
	if crd.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
		t.Errorf("the CRD is not kept on uninstall: deleting it would delete every autoscaler")
	}
}

// controllerArgs parses the rendered Deployment's command line with mhpa-controller's flags.
func controllerArgs(t *testing.T, objs []*unstructured.Unstructured) (controllerapp.Options, *appsv1.Deployment) {
	t.Helper()
	d, err := manifest.Deployment(objs)
	if err != nil {
		t.Fatal(err)
	}
	args, err := manifest.ContainerArgs(d, manifest.ControllerContainer)
	if err != nil {
		t.Fatal(err)
	}
	opts := controllerapp.DefaultOptions()
	fs := pflag.NewFlagSet("mhpa-controller", pflag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("mhpa-controller %v: %v", args, err)
	}
	if err := opts.Validate(); err != nil {
		t.Fatalf("mhpa-controller %v: %v", args, err)
	}
	return opts, d
}

// TestChartValues: the values change what they say, and the command line stays one the
// controller accepts.
func TestChartValues(t *testing.T) {
	objs := render(t, "ops", `
image: {repository: registry.example.com/mhpa-controller, tag: v1.2.3}
replicaCount: 3
authorizeSubdomains: false
builtinHPAs: true
extraArgs: ["--horizontal-pod-autoscaler-sync-period=30s", "--metrics-group-qps=50"]
podDisruptionBudget: {minAvailable: 0}
nodeSelector: {kubernetes.io/os: linux}
podAnnotations: {prometheus.io/scrape: "true"}
`)
	opts, d := controllerArgs(t, objs)
	if opts.AuthorizeSubdomains || !opts.Controller.BuiltinHPAs || opts.Controller.SyncPeriod.String() != "30s" || opts.MetricsGroup.QPS != 50 {
		t.Errorf("options %+v do not follow the values", opts)
	}
	if opts.CertSecret != "ops/mhpa-webhook-certs" || opts.LeaderElectionNamespace != "ops" || opts.WebhookService != "ops/mhpa-webhook" {
		t.Errorf("options name namespace %q, %q, %q; want the release's (ops)", opts.CertSecret, opts.LeaderElectionNamespace, opts.WebhookService)
	}
	replicas := *d.Spec.Replicas
	image := d.Spec.Template.Spec.Containers[0].Image
	nodeSelector := d.Spec.Template.Spec.NodeSelector
	annotations := d.Spec.Template.Annotations
	if replicas != 3 || image != "registry.example.com/mhpa-controller:v1.2.3" || nodeSelector["kubernetes.io/os"] != "linux" || annotations["prometheus.io/scrape"] != "true" {
		t.Errorf("Deployment: replicas %d, image %v, nodeSelector %v, pod annotations %v; want the values", replicas, image, nodeSelector, annotations)
	}
	if manifest.Find(objs, "PodDisruptionBudget", "ops", "mhpa-controller") != nil {
		t.Errorf("a PodDisruptionBudget was rendered with podDisruptionBudget.minAvailable unset")
	}
	builtin := manifest.Find(objs, "ClusterRole", "", "mhpa-controller-builtin-hpas")
	if builtin == nil || builtin.GetLabels()["autoscaling.mhpa.dev/aggregate-to-controller"] != "true" {
		t.Errorf("builtinHPAs: true renders no ClusterRole aggregated to the controller's: %v", builtin)
	}
	if manifest.Find(render(t, "ops", ""), "ClusterRole", "", "mhpa-controller-builtin-hpas") != nil {
		t.Errorf("the built-in mode ClusterRole is rendered by default")
	}
}

// TestGeneratedCRDTemplate checks that templates/crd.yaml is what hack/gen-chart.sh generates
// from config/default: the CRD with the release's namespace and the chart's metadata. With
// -update it writes the file.
func TestGeneratedCRDTemplate(t *testing.T) {
	want := crdTemplateFromConfig(t)
	if *update {
		if err := os.WriteFile(crdTemplate, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", crdTemplate)
		return
	}
	got, err := os.ReadFile(crdTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is out of date; run hack/gen-chart.sh (-want +got):\n%s", crdTemplate, diff)
	}
}

// crdTemplateFromConfig builds templates/crd.yaml from config/default's CRD.
func crdTemplateFromConfig(t *testing.T) []byte {
	t.Helper()
	crd := manifest.Find(kustomize(t, installNS), "CustomResourceDefinition", "", "horizontalpodautoscalers.autoscaling.mhpa.dev")
	if crd == nil {
		t.Fatal("config/default has no CRD")
	}
	crd = crd.DeepCopy()
	if err := unstructured.SetNestedField(crd.Object, releaseNSMarker, "spec", "conversion", "webhook", "clientConfig", "service", "namespace"); err != nil {
		t.Fatal(err)
	}
	annotations := crd.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations["helm.sh/resource-policy"] = "keep"
	crd.SetAnnotations(annotations)
	crd.SetLabels(map[string]string{labelsMarker: ""})
	data, err := yaml.Marshal(crd.Object)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing in the CRD is a template: escape any "{{" before adding the template parts.
	out := strings.ReplaceAll(string(data), "{{", `{{ "{{" }}`)
	out = strings.Replace(out, releaseNSMarker, "{{ .Release.Namespace }}", 1)
	out = strings.Replace(out, "    "+labelsMarker+": \"\"\n", "    {{- include \"mhpa.commonLabels\" . | nindent 4 }}\n", 1)
	header := "# Generated by hack/gen-chart.sh from config/default (config/crd); do not edit.\n" +
		"# helm.sh/resource-policy: keep leaves the CRD, and so every autoscaler, in place when the\n" +
		"# release is uninstalled.\n"
	return []byte(header + out)
}
