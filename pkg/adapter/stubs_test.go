package adapter_test

import (
	"context"
	"net/http"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/metrics/pkg/apis/custom_metrics"
	"k8s.io/metrics/pkg/apis/external_metrics"
	"k8s.io/metrics/pkg/apis/metrics"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

// The stubs below are test doubles for the provider interfaces: each
// records the arguments of its last call and answers with what the test
// put in it.

var testTime = metav1.Unix(1700000000, 0)

type call struct {
	Namespace      string
	Name           string
	Selector       string
	MetricSelector string
	Info           any
}

type recorder struct {
	mu    sync.Mutex
	calls []call
}

func (r *recorder) record(c call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

func (r *recorder) last() call {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return call{}
	}
	return r.calls[len(r.calls)-1]
}

// behaviour lets a test make a provider fail or block.
type behaviour struct {
	err  error
	hang bool
}

func (b behaviour) apply(ctx context.Context) error {
	if b.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return b.err
}

type stubPods struct {
	recorder
	behaviour
	pods []metrics.PodMetrics
}

func (s *stubPods) GetPodMetrics(ctx context.Context, namespace, name string) (*metrics.PodMetrics, error) {
	s.record(call{Namespace: namespace, Name: name})
	if err := s.apply(ctx); err != nil {
		return nil, err
	}
	for i := range s.pods {
		if s.pods[i].Namespace == namespace && s.pods[i].Name == name {
			return &s.pods[i], nil
		}
	}
	return nil, adapter.NewPodMetricsNotFoundError(namespace, name)
}

func (s *stubPods) ListPodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metrics.PodMetrics, error) {
	s.record(call{Namespace: namespace, Selector: selector.String()})
	if err := s.apply(ctx); err != nil {
		return nil, err
	}
	var out []metrics.PodMetrics
	for _, p := range s.pods {
		if (namespace == "" || p.Namespace == namespace) && selector.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out, nil
}

type stubNodes struct {
	recorder
	nodes []metrics.NodeMetrics
}

func (s *stubNodes) GetNodeMetrics(_ context.Context, name string) (*metrics.NodeMetrics, error) {
	s.record(call{Name: name})
	for i := range s.nodes {
		if s.nodes[i].Name == name {
			return &s.nodes[i], nil
		}
	}
	return nil, adapter.NewNodeMetricsNotFoundError(name)
}

func (s *stubNodes) ListNodeMetrics(_ context.Context, selector labels.Selector) ([]metrics.NodeMetrics, error) {
	s.record(call{Selector: selector.String()})
	return s.nodes, nil
}

type stubCustom struct {
	recorder
	behaviour
	// value is returned for every object asked for by name.
	value resource.Quantity
	// objects are returned for every request by selector.
	objects []string
	known   []adapter.CustomMetricInfo
}

func (s *stubCustom) isKnown(info adapter.CustomMetricInfo) bool {
	for _, k := range s.known {
		if k == info {
			return true
		}
	}
	return false
}

func (s *stubCustom) GetMetricByName(ctx context.Context, name types.NamespacedName, info adapter.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValue, error) {
	s.record(call{Namespace: name.Namespace, Name: name.Name, MetricSelector: metricSelector.String(), Info: info})
	if err := s.apply(ctx); err != nil {
		return nil, err
	}
	if !s.isKnown(info) {
		return nil, adapter.NewMetricNotFoundForError(info.GroupResource, info.Metric, name.Name)
	}
	return &custom_metrics.MetricValue{
		DescribedObject: custom_metrics.ObjectReference{Kind: "Service", APIVersion: "v1", Namespace: name.Namespace, Name: name.Name},
		Metric:          custom_metrics.MetricIdentifier{Name: info.Metric, Selector: selectorOf(metricSelector)},
		Timestamp:       testTime,
		WindowSeconds:   ptrTo(int64(60)),
		Value:           s.value,
	}, nil
}

func (s *stubCustom) GetMetricBySelector(ctx context.Context, namespace string, selector labels.Selector, info adapter.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValueList, error) {
	s.record(call{Namespace: namespace, Selector: selector.String(), MetricSelector: metricSelector.String(), Info: info})
	if err := s.apply(ctx); err != nil {
		return nil, err
	}
	if !s.isKnown(info) {
		return nil, adapter.NewMetricNotFoundError(info.GroupResource, info.Metric)
	}
	list := &custom_metrics.MetricValueList{}
	for i, name := range s.objects {
		list.Items = append(list.Items, custom_metrics.MetricValue{
			DescribedObject: custom_metrics.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: namespace, Name: name},
			Metric:          custom_metrics.MetricIdentifier{Name: info.Metric},
			Timestamp:       testTime,
			Value:           *resource.NewQuantity(int64(10*(i+1)), resource.DecimalSI),
		})
	}
	return list, nil
}

func (s *stubCustom) ListAllMetrics(context.Context) []adapter.CustomMetricInfo {
	return s.known
}

type stubExternal struct {
	recorder
	behaviour
	value resource.Quantity
	known []string
}

func (s *stubExternal) GetExternalMetric(ctx context.Context, namespace string, metricSelector labels.Selector, info adapter.ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error) {
	s.record(call{Namespace: namespace, MetricSelector: metricSelector.String(), Info: info})
	if err := s.apply(ctx); err != nil {
		return nil, err
	}
	found := false
	for _, k := range s.known {
		found = found || k == info.Metric
	}
	if !found {
		return nil, adapter.NewExternalMetricNotFoundError(namespace, info.Metric)
	}
	return &external_metrics.ExternalMetricValueList{Items: []external_metrics.ExternalMetricValue{{
		MetricName:   info.Metric,
		MetricLabels: map[string]string{"queue": "a"},
		Timestamp:    testTime,
		Value:        s.value,
	}}}, nil
}

func (s *stubExternal) ListAllExternalMetrics(context.Context) []adapter.ExternalMetricInfo {
	var out []adapter.ExternalMetricInfo
	for _, k := range s.known {
		out = append(out, adapter.ExternalMetricInfo{Metric: k})
	}
	return out
}

func selectorOf(sel labels.Selector) *metav1.LabelSelector {
	if sel.Empty() {
		return nil
	}
	ls, err := metav1.ParseToLabelSelector(sel.String())
	if err != nil {
		return nil
	}
	return ls
}

func ptrTo[T any](v T) *T { return &v }

func podMetrics(namespace, name string, lbls map[string]string, cpu, memory string) metrics.PodMetrics {
	return metrics.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: lbls},
		Timestamp:  testTime,
		Window:     metav1.Duration{Duration: 30e9},
		Containers: []metrics.ContainerMetrics{{
			Name:  "app",
			Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		}},
	}
}

// headerAuthenticator authenticates the user named in the X-Test-User
// header; requests without it are unauthenticated.
type headerAuthenticator struct{}

func (headerAuthenticator) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	name := req.Header.Get("X-Test-User")
	if name == "" {
		return nil, false, nil
	}
	return &authenticator.Response{User: &user.DefaultInfo{Name: name, Groups: []string{user.AllAuthenticated}}}, true, nil
}

// recordingAuthorizer allows everyone but the user "denied" and records the
// attributes of resource requests.
type recordingAuthorizer struct {
	mu   sync.Mutex
	last authorizer.AttributesRecord
}

func (a *recordingAuthorizer) Authorize(_ context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	if attrs.IsResourceRequest() {
		a.mu.Lock()
		a.last = authorizer.AttributesRecord{
			Verb: attrs.GetVerb(), APIGroup: attrs.GetAPIGroup(), APIVersion: attrs.GetAPIVersion(), Namespace: attrs.GetNamespace(),
			Resource: attrs.GetResource(), Subresource: attrs.GetSubresource(), Name: attrs.GetName(), ResourceRequest: true,
		}
		a.mu.Unlock()
	}
	if attrs.GetUser().GetName() == "denied" {
		return authorizer.DecisionDeny, "denied by the test", nil
	}
	return authorizer.DecisionAllow, "", nil
}

func (a *recordingAuthorizer) lastAttributes() authorizer.AttributesRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}
