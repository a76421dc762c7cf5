package demo

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
)

// samplesFS holds the Deployments and autoscalers the demo applies, one workload per file.
//
//go:embed samples/*.yaml
var samplesFS embed.FS

// SamplesDir is where the sample manifests are in the repository.
const SamplesDir = "internal/demo/samples"

// loads are the demands the demo drives, by autoscaler (namespace/name), in the unit of the
// autoscaler's metric: CPU cores for CPU utilization, the metric's total for an external
// metric. Each peak needs a few pods more than the baseline, within maxReplicas, and is not
// within the 10% tolerance of one pod fewer, so the autoscalers reach what the load needs.
var loads = map[string]Load{
	"demo/web":          {Base: 0.08, Peak: 0.78}, // 100m per pod at the target: 1 pod, then 8 (7 are 11% over)
	"demo/worker":       {Base: 20, Peak: 170},    // 30 messages per pod: 1, then 6 (5 are 13% over)
	"tenant-a/checkout": {Base: 40, Peak: 460},    // 100 requests/s per pod: 1, then 5 (4 are 15% over)
}

// MetricKind is how the demo feeds an autoscaler's metric.
type MetricKind string

// The metric kinds the demo drives.
const (
	// CPUUtilization is a podResource cpu metric with a Utilization target: the demand is
	// shared by the ready pods, each reporting demand / ready pods of CPU.
	CPUUtilization MetricKind = "cpu"
	// ExternalAverage is an external metric with an AverageValue target: the demand is the
	// metric's value.
	ExternalAverage MetricKind = "external"
)

// Workload is a Deployment, its autoscaler and the load the demo drives on it.
type Workload struct {
	// Namespace and Name of the Deployment and of its autoscaler.
	Namespace, Name string
	// MinReplicas and MaxReplicas are the autoscaler's.
	MinReplicas, MaxReplicas int32
	// Kind is how the metric is fed.
	Kind MetricKind
	// Subdomain is the metric's subdomain, "" for the default API group.
	Subdomain string
	// Group is the API group the metric is read from, e.g. tenant-a.external.metrics.k8s.io.
	Group string
	// Metric is the metric's name: "cpu" or the external metric's.
	Metric string
	// Target is the autoscaler's target: percent of the CPU request, or the average value.
	Target float64
	// CPURequest is each pod's CPU request in cores (CPUUtilization only).
	CPURequest float64
	// PodSelector selects the Deployment's pods.
	PodSelector string
	// Load is the demand.
	Load Load
}

// Key is namespace/name.
func (w *Workload) Key() string { return w.Namespace + "/" + w.Name }

// SubdomainLabel is the subdomain as the table shows it.
func (w *Workload) SubdomainLabel() string {
	if w.Subdomain == "" {
		return "(default)"
	}
	return w.Subdomain
}

// MetricLabel describes the metric and its unit, e.g. "cpu utilization (% of request)".
func (w *Workload) MetricLabel() string {
	if w.Kind == CPUUtilization {
		return "cpu utilization (% of request)"
	}
	return w.Metric + " per pod"
}

// DemandLabel describes the demand and its unit.
func (w *Workload) DemandLabel() string {
	if w.Kind == CPUUtilization {
		return "CPU demand (cores)"
	}
	return w.Metric + " (total)"
}

// perPod is the demand one pod takes at the target.
func (w *Workload) perPod() float64 {
	if w.Kind == CPUUtilization {
		return w.CPURequest * w.Target / 100
	}
	return w.Target
}

// Needed returns the replicas a demand needs at the target, within minReplicas and maxReplicas.
func (w *Workload) Needed(demand float64) int32 {
	n := int32(math.Ceil(demand/w.perPod() - 1e-9))
	return min(max(n, w.MinReplicas), w.MaxReplicas)
}

// Scenario is what the demo applies and drives.
type Scenario struct {
	// Objects are applied first, in order: namespaces and Deployments.
	Objects []*unstructured.Unstructured
	// HPAs are applied once the Deployments run and the metrics have values.
	HPAs []*unstructured.Unstructured
	// Workloads are the autoscaled Deployments, in the order of the sample files.
	Workloads []Workload
}

// Groups returns the metrics API groups the workloads read, in order of first use.
func (s *Scenario) Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range s.Workloads {
		if !seen[w.Group] {
			seen[w.Group] = true
			out = append(out, w.Group)
		}
	}
	return out
}

// DefaultScenario returns the embedded samples with their loads.
func DefaultScenario() (*Scenario, error) {
	return loadScenario(samplesFS, "samples", loads)
}

// loadScenario reads the YAML files of dir in fsys and joins their autoscalers with the loads.
func loadScenario(fsys fs.FS, dir string, loads map[string]Load) (*Scenario, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no sample manifests", dir)
	}
	s := &Scenario{}
	deployments := map[string]*appsv1.Deployment{}
	var hpaFiles []string
	for _, file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		objs, err := decodeAll(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, obj := range objs {
			switch obj.GetKind() {
			case "HorizontalPodAutoscaler":
				s.HPAs = append(s.HPAs, obj)
				hpaFiles = append(hpaFiles, file)
				continue
			case "Deployment":
				d := &appsv1.Deployment{}
				if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, d); err != nil {
					return nil, fmt.Errorf("%s: Deployment %s: %w", file, obj.GetName(), err)
				}
				deployments[d.Namespace+"/"+d.Name] = d
			}
			s.Objects = append(s.Objects, obj)
		}
	}
	for i, obj := range s.HPAs {
		hpa := &mhpav2.HorizontalPodAutoscaler{}
		if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, hpa); err != nil {
			return nil, fmt.Errorf("%s: HorizontalPodAutoscaler %s: %w", hpaFiles[i], obj.GetName(), err)
		}
		w, err := workloadFor(hpa, deployments, loads)
		if err != nil {
			return nil, fmt.Errorf("%s: HorizontalPodAutoscaler %s/%s: %w", hpaFiles[i], hpa.Namespace, hpa.Name, err)
		}
		s.Workloads = append(s.Workloads, w)
	}
	if len(s.Workloads) == 0 {
		return nil, fmt.Errorf("%s: no HorizontalPodAutoscaler in the samples", dir)
	}
	return s, nil
}

// workloadFor describes how the demo drives an autoscaler's one metric.
func workloadFor(hpa *mhpav2.HorizontalPodAutoscaler, deployments map[string]*appsv1.Deployment, loads map[string]Load) (Workload, error) {
	key := hpa.Namespace + "/" + hpa.Name
	w := Workload{Namespace: hpa.Namespace, Name: hpa.Name, MinReplicas: 1, MaxReplicas: hpa.Spec.MaxReplicas}
	if hpa.Spec.MinReplicas != nil {
		w.MinReplicas = *hpa.Spec.MinReplicas
	}
	ref := hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != hpa.Name {
		return w, fmt.Errorf("spec.scaleTargetRef: invalid value %s %s: the demo drives a Deployment of the autoscaler's own name", ref.Kind, ref.Name)
	}
	d, ok := deployments[key]
	if !ok {
		return w, fmt.Errorf("spec.scaleTargetRef: Deployment %s is not in the samples", key)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return w, fmt.Errorf("Deployment %s: spec.selector: %w", key, err)
	}
	w.PodSelector = sel.String()
	load, ok := loads[key]
	if !ok {
		return w, fmt.Errorf("the demo has no load for this autoscaler")
	}
	w.Load = load
	if len(hpa.Spec.Metrics) != 1 {
		return w, fmt.Errorf("spec.metrics: %d metrics: the demo drives autoscalers of exactly one metric", len(hpa.Spec.Metrics))
	}
	m := hpa.Spec.Metrics[0]
	switch {
	case m.Type == mhpav2.PodResourceMetricSourceType && m.PodResource != nil && m.PodResource.Name == corev1.ResourceCPU &&
		m.PodResource.Target.Type == mhpav2.UtilizationMetricType && m.PodResource.Target.AverageUtilization != nil:
		w.Kind, w.Metric, w.Subdomain = CPUUtilization, "cpu", m.PodResource.Subdomain
		w.Group = withSubdomain(w.Subdomain, "metrics.k8s.io")
		w.Target = float64(*m.PodResource.Target.AverageUtilization)
		for _, c := range d.Spec.Template.Spec.Containers {
			w.CPURequest += c.Resources.Requests.Cpu().AsApproximateFloat64()
		}
		if w.CPURequest == 0 {
			return w, fmt.Errorf("Deployment %s: requests no CPU: a CPU utilization target needs a request", key)
		}
	case m.Type == mhpav2.ExternalMetricSourceType && m.External != nil &&
		m.External.Target.Type == mhpav2.AverageValueMetricType && m.External.Target.AverageValue != nil:
		w.Kind, w.Metric, w.Subdomain = ExternalAverage, m.External.Metric.Name, m.External.Subdomain
		w.Group = withSubdomain(w.Subdomain, "external.metrics.k8s.io")
		w.Target = m.External.Target.AverageValue.AsApproximateFloat64()
	default:
		return w, fmt.Errorf("spec.metrics[0]: unsupported metric of type %s: the demo drives a podResource cpu Utilization or an external AverageValue target", m.Type)
	}
	if w.Target <= 0 {
		return w, fmt.Errorf("spec.metrics[0]: target %v: must be positive", w.Target)
	}
	return w, nil
}

func withSubdomain(subdomain, base string) string {
	if subdomain == "" {
		return base
	}
	return subdomain + "." + base
}

// decodeAll decodes the objects of a multi-document YAML file.
func decodeAll(data []byte) ([]*unstructured.Unstructured, error) {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := decoder.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(obj.Object) == 0 {
			continue
		}
		if obj.GetKind() == "" || obj.GetName() == "" {
			return nil, fmt.Errorf("an object without kind or name: %s", strings.TrimSpace(fmt.Sprint(obj.Object)))
		}
		out = append(out, obj)
	}
}
