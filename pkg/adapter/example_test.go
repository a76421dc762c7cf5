package adapter_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/metrics/pkg/apis/external_metrics"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

// queueLengths is an external metrics provider with one metric.
type queueLengths map[string]int64

func (q queueLengths) GetExternalMetric(_ context.Context, namespace string, selector labels.Selector, info adapter.ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error) {
	if info.Metric != "queue_length" {
		return nil, adapter.NewExternalMetricNotFoundError(namespace, info.Metric)
	}
	list := &external_metrics.ExternalMetricValueList{}
	for queue, n := range q {
		lbls := map[string]string{"queue": queue}
		if selector.Matches(labels.Set(lbls)) {
			list.Items = append(list.Items, external_metrics.ExternalMetricValue{
				MetricName: info.Metric, MetricLabels: lbls, Timestamp: metav1.Unix(0, 0), Value: *resource.NewQuantity(n, resource.DecimalSI),
			})
		}
	}
	return list, nil
}

func (q queueLengths) ListAllExternalMetrics(context.Context) []adapter.ExternalMetricInfo {
	return []adapter.ExternalMetricInfo{{Metric: "queue_length"}}
}

// This example serves an external metric under a subdomain group. In a
// cluster, leave Authenticator and Authorizer unset (delegated to
// kube-apiserver) and call Run or Start instead of using the handler.
func ExampleNew() {
	srv, err := adapter.New(context.Background(), adapter.Config{
		Groups:        []adapter.Group{{Name: "tenant-a.external.metrics.k8s.io", ExternalMetrics: queueLengths{"a": 30, "b": 12}}},
		Authenticator: headerAuthenticator{},
		Authorizer:    authorizerfactory.NewAlwaysAllowAuthorizer(),
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/apis/tenant-a.external.metrics.k8s.io/v1beta1/namespaces/default/queue_length?labelSelector=queue%3Da", nil)
	req.Header.Set("X-Test-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 {"kind":"ExternalMetricValueList","apiVersion":"tenant-a.external.metrics.k8s.io/v1beta1","metadata":{},"items":[{"metricName":"queue_length","metricLabels":{"queue":"a"},"timestamp":"1970-01-01T00:00:00Z","value":"30"}]}
}
