package adapter

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
	cmv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	emv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// AddToScheme registers the k8s.io/metrics types of a shape under the given
// group (any name) and version, so that a scheme can encode and decode
// objects whose apiVersion is e.g. "tenant-a.custom.metrics.k8s.io/v1beta2".
// The stock k8s.io/metrics schemes know only the default group names; a
// client of a metrics API under another group registers the types with this
// function (see RESTClientFor).
func AddToScheme(scheme *runtime.Scheme, kind APIKind, gv schema.GroupVersion) error {
	var objs []runtime.Object
	switch {
	case kind == ResourceMetrics && gv.Version == "v1beta1":
		objs = []runtime.Object{&metricsv1beta1.PodMetrics{}, &metricsv1beta1.PodMetricsList{}, &metricsv1beta1.NodeMetrics{}, &metricsv1beta1.NodeMetricsList{}}
	case kind == CustomMetrics && gv.Version == "v1beta2":
		objs = []runtime.Object{&cmv1beta2.MetricValue{}, &cmv1beta2.MetricValueList{}, &cmv1beta2.MetricListOptions{}}
	case kind == CustomMetrics && gv.Version == "v1beta1":
		objs = []runtime.Object{&cmv1beta1.MetricValue{}, &cmv1beta1.MetricValueList{}, &cmv1beta1.MetricListOptions{}}
	case kind == ExternalMetrics && gv.Version == "v1beta1":
		objs = []runtime.Object{&emv1beta1.ExternalMetricValue{}, &emv1beta1.ExternalMetricValueList{}}
	default:
		return fmt.Errorf("version %q of group %q: the %s metrics shape has versions %v", gv.Version, gv.Group, kind, kind.Versions())
	}
	scheme.AddKnownTypes(gv, objs...)
	metav1.AddToGroupVersion(scheme, gv)
	return nil
}

// RESTClientFor returns a REST client for one group version of a metrics API
// served under any group name, through the kube-apiserver cfg points at.
// Its responses decode into the k8s.io/metrics versioned types, e.g.
//
//	c, _ := adapter.RESTClientFor(cfg, adapter.ExternalMetrics, schema.GroupVersion{Group: "tenant-a.external.metrics.k8s.io", Version: "v1beta1"})
//	list := &emv1beta1.ExternalMetricValueList{}
//	err := c.Get().Namespace("default").Resource("queue_length").Param("labelSelector", "queue=a").Do(ctx).Into(list)
func RESTClientFor(cfg *rest.Config, kind APIKind, gv schema.GroupVersion) (*rest.RESTClient, error) {
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme, kind, gv); err != nil {
		return nil, err
	}
	c := rest.CopyConfig(cfg)
	c.APIPath = "/apis"
	c.GroupVersion = &gv
	c.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	return rest.RESTClientFor(c)
}
