package fakemetrics

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/metrics/pkg/apis/custom_metrics"
	"k8s.io/metrics/pkg/apis/external_metrics"
	"k8s.io/metrics/pkg/apis/metrics"
	"k8s.io/utils/clock"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

// Pod is a pod the fake reports resource usage for.
type Pod struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Labels are matched by label selectors (PodMetrics lists and pods
	// metrics by selector).
	Labels map[string]string `json:"labels,omitempty"`
	// Containers hold the usage of each container.
	Containers []Container `json:"containers"`
}

// Container is the usage of one container.
type Container struct {
	Name string `json:"name"`
	// Usage maps resource names (cpu, memory) to quantities.
	Usage corev1.ResourceList `json:"usage"`
}

// Node is a node the fake reports resource usage for.
type Node struct {
	Name   string              `json:"name"`
	Labels map[string]string   `json:"labels,omitempty"`
	Usage  corev1.ResourceList `json:"usage"`
}

// ObjectMetric is one series of a custom metric describing one object.
type ObjectMetric struct {
	// Resource is the described resource as in a custom metrics path:
	// "pods", "services", "deployments.apps".
	Resource string `json:"resource"`
	// Namespace of the object; empty for cluster-scoped objects (nodes,
	// namespaces).
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Labels of the object, for requests by label selector. For pods they
	// default to the labels of the pod (SetPod or the cluster).
	Labels map[string]string `json:"labels,omitempty"`
	Metric string            `json:"metric"`
	// MetricLabels label the series; a metric selector picks series by them
	// and the values of all picked series are added up.
	MetricLabels map[string]string `json:"metricLabels,omitempty"`
	Value        resource.Quantity `json:"value"`
	// Kind and APIVersion of the object, reported as its describedObject;
	// derived from Resource for common resources when empty.
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
}

// ExternalMetric is one series of an external metric.
type ExternalMetric struct {
	// Namespace the series is visible in; empty for every namespace.
	Namespace string `json:"namespace,omitempty"`
	Metric    string `json:"metric"`
	// Labels label the series; the metric selector of a request picks
	// series by them.
	Labels map[string]string `json:"labels,omitempty"`
	Value  resource.Quantity `json:"value"`
}

// PodRule gives pods known from the cluster (Options.KubeConfig) usage and
// pods metrics without naming them: every Running pod in Namespace (every
// namespace when empty) whose labels match Selector. Pods set with SetPod,
// and pods metrics set for a pod by name, take precedence. Of several
// matching rules, the one with the smallest name applies.
type PodRule struct {
	Namespace string `json:"namespace,omitempty"`
	// Selector picks the pods; empty matches every pod.
	Selector string `json:"selector,omitempty"`
	// Usage maps container names to their usage; the entry "" applies to
	// every container without an entry of its own.
	Usage map[string]corev1.ResourceList `json:"usage,omitempty"`
	// Metrics maps pods metric names to each pod's value.
	Metrics map[string]resource.Quantity `json:"metrics,omitempty"`
}

// FaultMode is how a group misbehaves.
type FaultMode string

const (
	// FaultNone answers normally.
	FaultNone FaultMode = ""
	// FaultError answers every metrics request with an error status.
	FaultError FaultMode = "error"
	// FaultHang never answers: a request waits until its context ends (the
	// client gives up or the server's request timeout, 504) or the server
	// stops.
	FaultHang FaultMode = "hang"
	// FaultDelay answers after a fixed delay.
	FaultDelay FaultMode = "delay"
)

// Fault makes a group misbehave on metrics requests; discovery keeps
// working (use Server.GoAway for an unreachable server).
type Fault struct {
	Mode FaultMode `json:"mode"`
	// Code is the HTTP status of FaultError; default 500.
	Code int `json:"code,omitempty"`
	// Message is the error message of FaultError.
	Message string `json:"message,omitempty"`
	// Delay is the delay of FaultDelay.
	Delay time.Duration `json:"delay,omitempty"`
}

// PodSource lists the pods of the cluster that PodRules apply to.
type PodSource interface {
	// ListPods returns the pods in namespace (all when empty) whose labels
	// match selector.
	ListPods(namespace string, selector labels.Selector) ([]*corev1.Pod, error)
}

// Group is the programmable state of one served API group: the values it
// reports, its fault, and its request count. Its methods are safe for
// concurrent use.
type Group struct {
	name   string
	kind   adapter.APIKind
	clock  clock.Clock
	window time.Duration
	pods   PodSource
	// stopped is closed when the server stops, ending hanging requests.
	stopped <-chan struct{}

	requests atomic.Int64

	mu       sync.RWMutex
	podUsage map[types.NamespacedName]Pod
	nodes    map[string]Node
	objects  map[string]ObjectMetric
	external map[string]ExternalMetric
	rules    map[string]PodRule
	fault    Fault
}

func newGroup(name string, kind adapter.APIKind, clk clock.Clock, window time.Duration, pods PodSource, stopped <-chan struct{}) *Group {
	g := &Group{name: name, kind: kind, clock: clk, window: window, pods: pods, stopped: stopped}
	g.Reset()
	return g
}

// Name returns the group name.
func (g *Group) Name() string { return g.name }

// Kind returns the API shape of the group.
func (g *Group) Kind() adapter.APIKind { return g.kind }

// Reset forgets every value, rule and fault (not the request count).
func (g *Group) Reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.podUsage = map[types.NamespacedName]Pod{}
	g.nodes = map[string]Node{}
	g.objects = map[string]ObjectMetric{}
	g.external = map[string]ExternalMetric{}
	g.rules = map[string]PodRule{}
	g.fault = Fault{}
}

// SetPod sets the usage (and labels) of a pod.
func (g *Group) SetPod(p Pod) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.podUsage[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] = p
}

// DeletePod forgets a pod set with SetPod.
func (g *Group) DeletePod(namespace, name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.podUsage, types.NamespacedName{Namespace: namespace, Name: name})
}

// SetNode sets the usage of a node.
func (g *Group) SetNode(n Node) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nodes[n.Name] = n
}

// SetObjectMetric sets one series of a custom metric of an object,
// replacing the series with the same object, metric and metric labels.
func (g *Group) SetObjectMetric(m ObjectMetric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.objects[objectKey(m)] = m
}

// DeleteObjectMetric removes the series with the object, metric and metric
// labels of m.
func (g *Group) DeleteObjectMetric(m ObjectMetric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.objects, objectKey(m))
}

// SetPodsMetric sets a pods metric for named pods: one object series per
// pod of resource "pods". Pods are matched to label selectors by the labels
// SetPod or the cluster give them.
func (g *Group) SetPodsMetric(namespace, metric string, values map[string]resource.Quantity) {
	for pod, v := range values {
		g.SetObjectMetric(ObjectMetric{Resource: "pods", Namespace: namespace, Name: pod, Metric: metric, Value: v})
	}
}

// SetExternalMetric sets one series of an external metric, replacing the
// series with the same namespace, metric and labels.
func (g *Group) SetExternalMetric(m ExternalMetric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.external[externalKey(m)] = m
}

// DeleteExternalMetric removes the series with the namespace, metric and
// labels of m.
func (g *Group) DeleteExternalMetric(m ExternalMetric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.external, externalKey(m))
}

// SetPodRule sets (or replaces) the rule of the given name.
func (g *Group) SetPodRule(name string, r PodRule) error {
	if _, err := labels.Parse(r.Selector); err != nil {
		return fmt.Errorf("podRule %s: selector: invalid value %q: %w", name, r.Selector, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rules[name] = r
	return nil
}

// DeletePodRule removes the rule of the given name.
func (g *Group) DeletePodRule(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.rules, name)
}

// SetFault sets how the group misbehaves; Fault{} heals it.
func (g *Group) SetFault(f Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fault = f
}

// Requests returns how many metrics requests (not discovery requests) the
// group has received, including failed and hanging ones.
func (g *Group) Requests() int64 { return g.requests.Load() }

// ResetRequests sets the request count to zero.
func (g *Group) ResetRequests() { g.requests.Store(0) }

// begin counts a metrics request and applies the fault.
func (g *Group) begin(ctx context.Context) error {
	g.requests.Add(1)
	g.mu.RLock()
	f := g.fault
	g.mu.RUnlock()
	switch f.Mode {
	case FaultError:
		msg := f.Message
		if msg == "" {
			msg = "fault injected by the test"
		}
		if f.Code == 0 || f.Code == http.StatusInternalServerError {
			return errors.New(msg)
		}
		// Keep the reason the code implies, with the test's message.
		err := apierrors.NewGenericServerResponse(f.Code, "get", schema.GroupResource{Group: g.name}, "", msg, 0, false)
		err.ErrStatus.Message = msg
		err.ErrStatus.Details = nil
		return err
	case FaultHang:
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-g.stopped:
			return errors.New("the server is stopping")
		}
	case FaultDelay:
		select {
		case <-g.clock.After(f.Delay):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-g.stopped:
			return errors.New("the server is stopping")
		}
	}
	return nil
}

func objectKey(m ObjectMetric) string {
	return strings.Join([]string{m.Resource, m.Namespace, m.Name, m.Metric, labels.Set(m.MetricLabels).String()}, "|")
}

func externalKey(m ExternalMetric) string {
	return strings.Join([]string{m.Namespace, m.Metric, labels.Set(m.Labels).String()}, "|")
}

// ---- resource metrics (adapter.PodMetricsProvider, adapter.NodeMetricsProvider)

type podEntry struct {
	namespace, name string
	labels          map[string]string
	containers      []Container
}

// resolvePods returns the pods in namespace matching selector with their
// usage: pods set with SetPod, then cluster pods a rule gives usage to.
func (g *Group) resolvePods(namespace string, selector labels.Selector) ([]podEntry, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []podEntry
	seen := map[types.NamespacedName]bool{}
	for key, p := range g.podUsage {
		if namespace != "" && key.Namespace != namespace {
			continue
		}
		seen[key] = true
		if selector.Matches(labels.Set(p.Labels)) {
			out = append(out, podEntry{namespace: p.Namespace, name: p.Name, labels: p.Labels, containers: p.Containers})
		}
	}
	cluster, err := g.clusterPods(namespace, selector)
	if err != nil {
		return nil, err
	}
	for _, cp := range cluster {
		key := types.NamespacedName{Namespace: cp.Namespace, Name: cp.Name}
		if seen[key] {
			continue
		}
		rule, ok := g.ruleFor(cp, func(r PodRule) bool { return len(r.Usage) > 0 })
		if !ok {
			continue
		}
		e := podEntry{namespace: cp.Namespace, name: cp.Name, labels: cp.Labels}
		for _, c := range cp.Spec.Containers {
			usage, ok := rule.Usage[c.Name]
			if !ok {
				usage, ok = rule.Usage[""]
			}
			if ok {
				e.containers = append(e.containers, Container{Name: c.Name, Usage: usage.DeepCopy()})
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// clusterPods lists the Running, not deleted, pods of the cluster.
func (g *Group) clusterPods(namespace string, selector labels.Selector) ([]*corev1.Pod, error) {
	if g.pods == nil || len(g.rules) == 0 && len(g.objects) == 0 {
		return nil, nil
	}
	pods, err := g.pods.ListPods(namespace, selector)
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// ruleFor returns the first rule by name that matches the pod and has what
// the caller needs.
func (g *Group) ruleFor(p *corev1.Pod, has func(PodRule) bool) (PodRule, bool) {
	names := slices.Sorted(maps.Keys(g.rules))
	for _, n := range names {
		r := g.rules[n]
		if r.Namespace != "" && r.Namespace != p.Namespace || !has(r) {
			continue
		}
		sel, err := labels.Parse(r.Selector)
		if err != nil || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		return r, true
	}
	return PodRule{}, false
}

func (g *Group) podMetrics(e podEntry) metrics.PodMetrics {
	m := metrics.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.namespace, Name: e.name, Labels: maps.Clone(e.labels)},
		Timestamp:  metav1.NewTime(g.clock.Now()),
		Window:     metav1.Duration{Duration: g.window},
	}
	for _, c := range e.containers {
		m.Containers = append(m.Containers, metrics.ContainerMetrics{Name: c.Name, Usage: c.Usage.DeepCopy()})
	}
	return m
}

// GetPodMetrics implements adapter.PodMetricsProvider.
func (g *Group) GetPodMetrics(ctx context.Context, namespace, name string) (*metrics.PodMetrics, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	pods, err := g.resolvePods(namespace, labels.Everything())
	if err != nil {
		return nil, err
	}
	for _, p := range pods {
		if p.name == name {
			m := g.podMetrics(p)
			return &m, nil
		}
	}
	return nil, adapter.NewPodMetricsNotFoundError(namespace, name)
}

// ListPodMetrics implements adapter.PodMetricsProvider.
func (g *Group) ListPodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metrics.PodMetrics, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	pods, err := g.resolvePods(namespace, selector)
	if err != nil {
		return nil, err
	}
	out := make([]metrics.PodMetrics, 0, len(pods))
	for _, p := range pods {
		out = append(out, g.podMetrics(p))
	}
	return out, nil
}

func (g *Group) nodeMetrics(n Node) metrics.NodeMetrics {
	return metrics.NodeMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: maps.Clone(n.Labels)},
		Timestamp:  metav1.NewTime(g.clock.Now()),
		Window:     metav1.Duration{Duration: g.window},
		Usage:      n.Usage.DeepCopy(),
	}
}

// GetNodeMetrics implements adapter.NodeMetricsProvider.
func (g *Group) GetNodeMetrics(ctx context.Context, name string) (*metrics.NodeMetrics, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	n, ok := g.nodes[name]
	if !ok {
		return nil, adapter.NewNodeMetricsNotFoundError(name)
	}
	m := g.nodeMetrics(n)
	return &m, nil
}

// ListNodeMetrics implements adapter.NodeMetricsProvider.
func (g *Group) ListNodeMetrics(ctx context.Context, selector labels.Selector) ([]metrics.NodeMetrics, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []metrics.NodeMetrics
	for _, n := range g.nodes {
		if selector.Matches(labels.Set(n.Labels)) {
			out = append(out, g.nodeMetrics(n))
		}
	}
	return out, nil
}

// ---- custom metrics (adapter.CustomMetricsProvider)

// objectValue is the summed value of the picked series of one object.
type objectValue struct {
	ref   custom_metrics.ObjectReference
	value resource.Quantity
}

// customValues returns, per object, the value of the metric: the sum of the
// series picked by metricSelector. name "" means every object whose labels
// match selector. known says whether the metric exists at all.
func (g *Group) customValues(namespace, name string, selector labels.Selector, info adapter.CustomMetricInfo, metricSelector labels.Selector) (values []objectValue, known bool, err error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	isPods := info.GroupResource == schema.GroupResource{Resource: "pods"}

	var cluster map[types.NamespacedName]*corev1.Pod
	if isPods {
		pods, err := g.clusterPods(namespace, labels.Everything())
		if err != nil {
			return nil, false, err
		}
		cluster = map[types.NamespacedName]*corev1.Pod{}
		for _, p := range pods {
			cluster[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] = p
		}
	}
	objectLabels := func(m ObjectMetric) map[string]string {
		if m.Labels != nil || !isPods {
			return m.Labels
		}
		key := types.NamespacedName{Namespace: m.Namespace, Name: m.Name}
		if p, ok := g.podUsage[key]; ok {
			return p.Labels
		}
		if p, ok := cluster[key]; ok {
			return p.Labels
		}
		return nil
	}

	byObject := map[types.NamespacedName]*objectValue{}
	var order []types.NamespacedName
	add := func(key types.NamespacedName, ref custom_metrics.ObjectReference, v resource.Quantity) {
		if o, ok := byObject[key]; ok {
			o.value.Add(v)
			return
		}
		byObject[key] = &objectValue{ref: ref, value: v.DeepCopy()}
		order = append(order, key)
	}
	for _, m := range g.objects {
		if m.Resource != info.GroupResource.String() || m.Metric != info.Metric || m.Namespace != namespace {
			continue
		}
		known = true
		if name != "" && m.Name != name || name == "" && !selector.Matches(labels.Set(objectLabels(m))) {
			continue
		}
		if !metricSelector.Matches(labels.Set(m.MetricLabels)) {
			continue
		}
		kind, apiVersion := describe(m)
		key := types.NamespacedName{Namespace: m.Namespace, Name: m.Name}
		add(key, custom_metrics.ObjectReference{Kind: kind, APIVersion: apiVersion, Namespace: m.Namespace, Name: m.Name}, m.Value)
	}
	if isPods {
		for key, p := range cluster {
			if _, ok := byObject[key]; ok || name != "" && p.Name != name || name == "" && !selector.Matches(labels.Set(p.Labels)) {
				continue
			}
			// Series set for the pod by name take precedence over rules; rule
			// values carry no metric labels.
			if g.hasObjectSeries(info, key) || !metricSelector.Matches(labels.Set{}) {
				continue
			}
			rule, ok := g.ruleFor(p, func(r PodRule) bool { _, ok := r.Metrics[info.Metric]; return ok })
			if !ok {
				continue
			}
			known = true
			add(key, custom_metrics.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: p.Namespace, Name: p.Name}, rule.Metrics[info.Metric])
		}
		for _, r := range g.rules {
			if _, ok := r.Metrics[info.Metric]; ok {
				known = true
			}
		}
	}
	sort.Slice(order, func(i, j int) bool { return order[i].Name < order[j].Name })
	for _, k := range order {
		values = append(values, *byObject[k])
	}
	return values, known, nil
}

func (g *Group) hasObjectSeries(info adapter.CustomMetricInfo, key types.NamespacedName) bool {
	for _, m := range g.objects {
		if m.Resource == info.GroupResource.String() && m.Metric == info.Metric && m.Namespace == key.Namespace && m.Name == key.Name {
			return true
		}
	}
	return false
}

// describedKinds are the kind and apiVersion reported for objects of common
// resources.
var describedKinds = map[schema.GroupResource][2]string{
	{Resource: "pods"}:                                  {"Pod", "v1"},
	{Resource: "services"}:                              {"Service", "v1"},
	{Resource: "nodes"}:                                 {"Node", "v1"},
	{Resource: "namespaces"}:                            {"Namespace", "v1"},
	{Resource: "persistentvolumeclaims"}:                {"PersistentVolumeClaim", "v1"},
	{Group: "apps", Resource: "deployments"}:            {"Deployment", "apps/v1"},
	{Group: "apps", Resource: "statefulsets"}:           {"StatefulSet", "apps/v1"},
	{Group: "apps", Resource: "replicasets"}:            {"ReplicaSet", "apps/v1"},
	{Group: "networking.k8s.io", Resource: "ingresses"}: {"Ingress", "networking.k8s.io/v1"},
}

// describe returns the kind and apiVersion reported for an object: its own,
// else those of a common resource, else none.
func describe(m ObjectMetric) (kind, apiVersion string) {
	if m.Kind != "" {
		return m.Kind, m.APIVersion
	}
	k := describedKinds[schema.ParseGroupResource(m.Resource)]
	return k[0], k[1]
}

func (g *Group) metricValue(ov objectValue, info adapter.CustomMetricInfo, metricSelector labels.Selector) custom_metrics.MetricValue {
	v := custom_metrics.MetricValue{
		DescribedObject: ov.ref,
		Metric:          custom_metrics.MetricIdentifier{Name: info.Metric},
		Timestamp:       metav1.NewTime(g.clock.Now()),
		WindowSeconds:   ptrTo(int64(g.window / time.Second)),
		Value:           ov.value,
	}
	if !metricSelector.Empty() {
		if ls, err := metav1.ParseToLabelSelector(metricSelector.String()); err == nil {
			v.Metric.Selector = ls
		}
	}
	return v
}

// GetMetricByName implements adapter.CustomMetricsProvider.
func (g *Group) GetMetricByName(ctx context.Context, name types.NamespacedName, info adapter.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValue, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	values, known, err := g.customValues(name.Namespace, name.Name, labels.Everything(), info, metricSelector)
	if err != nil {
		return nil, err
	}
	if !known {
		return nil, adapter.NewMetricNotFoundError(info.GroupResource, info.Metric)
	}
	if len(values) == 0 {
		if metricSelector.Empty() {
			return nil, adapter.NewMetricNotFoundForError(info.GroupResource, info.Metric, name.Name)
		}
		return nil, adapter.NewMetricNotFoundForSelectorError(info.GroupResource, info.Metric, name.Name, metricSelector)
	}
	v := g.metricValue(values[0], info, metricSelector)
	return &v, nil
}

// GetMetricBySelector implements adapter.CustomMetricsProvider.
func (g *Group) GetMetricBySelector(ctx context.Context, namespace string, selector labels.Selector, info adapter.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValueList, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	values, known, err := g.customValues(namespace, "", selector, info, metricSelector)
	if err != nil {
		return nil, err
	}
	if !known {
		return nil, adapter.NewMetricNotFoundError(info.GroupResource, info.Metric)
	}
	list := &custom_metrics.MetricValueList{}
	for _, v := range values {
		list.Items = append(list.Items, g.metricValue(v, info, metricSelector))
	}
	return list, nil
}

// ListAllMetrics implements adapter.CustomMetricsProvider.
func (g *Group) ListAllMetrics(context.Context) []adapter.CustomMetricInfo {
	g.mu.RLock()
	defer g.mu.RUnlock()
	set := map[adapter.CustomMetricInfo]bool{}
	for _, m := range g.objects {
		set[adapter.CustomMetricInfo{GroupResource: schema.ParseGroupResource(m.Resource), Namespaced: m.Namespace != "", Metric: m.Metric}] = true
	}
	for _, r := range g.rules {
		for metric := range r.Metrics {
			set[adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "pods"}, Namespaced: true, Metric: metric}] = true
		}
	}
	out := make([]adapter.CustomMetricInfo, 0, len(set))
	for info := range set {
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// ---- external metrics (adapter.ExternalMetricsProvider)

// GetExternalMetric implements adapter.ExternalMetricsProvider.
func (g *Group) GetExternalMetric(ctx context.Context, namespace string, metricSelector labels.Selector, info adapter.ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error) {
	if err := g.begin(ctx); err != nil {
		return nil, err
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	known := false
	list := &external_metrics.ExternalMetricValueList{}
	keys := slices.Sorted(maps.Keys(g.external))
	for _, k := range keys {
		m := g.external[k]
		if m.Metric != info.Metric || m.Namespace != "" && m.Namespace != namespace {
			continue
		}
		known = true
		if !metricSelector.Matches(labels.Set(m.Labels)) {
			continue
		}
		metricLabels := maps.Clone(m.Labels)
		if metricLabels == nil {
			metricLabels = map[string]string{}
		}
		list.Items = append(list.Items, external_metrics.ExternalMetricValue{
			MetricName:    m.Metric,
			MetricLabels:  metricLabels,
			Timestamp:     metav1.NewTime(g.clock.Now()),
			WindowSeconds: ptrTo(int64(g.window / time.Second)),
			Value:         m.Value.DeepCopy(),
		})
	}
	if !known {
		return nil, adapter.NewExternalMetricNotFoundError(namespace, info.Metric)
	}
	return list, nil
}

// ListAllExternalMetrics implements adapter.ExternalMetricsProvider.
func (g *Group) ListAllExternalMetrics(context.Context) []adapter.ExternalMetricInfo {
	g.mu.RLock()
	defer g.mu.RUnlock()
	set := map[string]bool{}
	for _, m := range g.external {
		set[m.Metric] = true
	}
	var out []adapter.ExternalMetricInfo
	for _, name := range slices.Sorted(maps.Keys(set)) {
		out = append(out, adapter.ExternalMetricInfo{Metric: name})
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
