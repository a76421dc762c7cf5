package adapter

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/metrics/pkg/apis/external_metrics"
)

func TestParseResourcePath(t *testing.T) {
	tests := map[string]struct {
		path   string
		want   resourceRequest
		wantOK bool
	}{
		"all nodes":           {path: "nodes", want: resourceRequest{Resource: "nodes"}, wantOK: true},
		"one node":            {path: "nodes/n1", want: resourceRequest{Resource: "nodes", Name: "n1"}, wantOK: true},
		"pods of all ns":      {path: "pods", want: resourceRequest{Resource: "pods"}, wantOK: true},
		"pods of a namespace": {path: "namespaces/ns1/pods", want: resourceRequest{Resource: "pods", Namespace: "ns1"}, wantOK: true},
		"one pod":             {path: "namespaces/ns1/pods/p1", want: resourceRequest{Resource: "pods", Namespace: "ns1", Name: "p1"}, wantOK: true},
		"unknown resource":    {path: "services"},
		"namespaced nodes":    {path: "namespaces/ns1/nodes"},
		"trailing slash":      {path: "nodes/"},
		"doubled slash":       {path: "namespaces//pods"},
		"too deep":            {path: "namespaces/ns1/pods/p1/extra"},
		"empty":               {path: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseResourcePath(tc.path)
			if ok != tc.wantOK {
				t.Fatalf("parseResourcePath(%q) ok = %v, want %v", tc.path, ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseResourcePath(%q) mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func TestParseCustomPath(t *testing.T) {
	tests := map[string]struct {
		path   string
		want   customRequest
		wantOK bool
	}{
		"namespaced object by name": {
			path:   "namespaces/ns1/services/web/requests",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "services"}, Namespaced: true, Metric: "requests"}, Namespace: "ns1", Name: "web"},
			wantOK: true,
		},
		"pods by selector": {
			path:   "namespaces/ns1/pods/*/requests",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "pods"}, Namespaced: true, Metric: "requests"}, Namespace: "ns1", Name: "*"},
			wantOK: true,
		},
		"resource qualified by group": {
			path:   "namespaces/ns1/deployments.apps/web/requests",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Namespaced: true, Metric: "requests"}, Namespace: "ns1", Name: "web"},
			wantOK: true,
		},
		"cluster-scoped object": {
			path:   "nodes/n1/temperature",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "nodes"}, Metric: "temperature"}, Name: "n1"},
			wantOK: true,
		},
		"cluster-scoped objects by selector": {
			path:   "nodes/*/temperature",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "nodes"}, Metric: "temperature"}, Name: "*"},
			wantOK: true,
		},
		"the namespace itself": {
			path:   "namespaces/ns1/metrics/queue_length",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "namespaces"}, Metric: "queue_length"}, Name: "ns1"},
			wantOK: true,
		},
		"namespace as a cluster-scoped object": {
			path:   "namespaces/ns1/queue_length",
			want:   customRequest{Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "namespaces"}, Metric: "queue_length"}, Name: "ns1"},
			wantOK: true,
		},
		"missing metric":        {path: "namespaces/ns1/pods/p1"},
		"missing name":          {path: "nodes/temperature"},
		"namespaced too deep":   {path: "namespaces/ns1/pods/p1/m/extra"},
		"empty metric":          {path: "namespaces/ns1/pods/p1/"},
		"not under namespaces/": {path: "foo/ns1/pods/p1/m"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseCustomPath(tc.path)
			if ok != tc.wantOK {
				t.Fatalf("parseCustomPath(%q) ok = %v, want %v", tc.path, ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseCustomPath(%q) mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func TestParseExternalPath(t *testing.T) {
	tests := map[string]struct {
		path   string
		want   externalRequest
		wantOK bool
	}{
		"namespaced metric": {path: "namespaces/ns1/queue_length", want: externalRequest{Namespace: "ns1", Metric: "queue_length"}, wantOK: true},
		"no namespace":      {path: "queue_length"},
		"too deep":          {path: "namespaces/ns1/queue_length/x"},
		"other prefix":      {path: "foo/ns1/queue_length"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseExternalPath(tc.path)
			if ok != tc.wantOK {
				t.Fatalf("parseExternalPath(%q) ok = %v, want %v", tc.path, ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseExternalPath(%q) mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := map[string]struct {
		query      string
		wantLabel  string
		wantMetric string
		wantField  string
		wantCode   int32
	}{
		"nothing":              {query: "", wantLabel: "", wantMetric: "", wantField: ""},
		"all three":            {query: "labelSelector=app%3Dweb&metricLabelSelector=queue+in+(a,b)&fieldSelector=metadata.name%3Dp1", wantLabel: "app=web", wantMetric: "queue in (a,b)", wantField: "metadata.name=p1"},
		"bad label selector":   {query: "labelSelector=%3D%3D%3D", wantCode: 400},
		"bad metric selector":  {query: "metricLabelSelector=a+in+b", wantCode: 400},
		"bad field selector":   {query: "fieldSelector=metadata.name", wantCode: 400},
		"watch is unsupported": {query: "watch=true", wantCode: 405},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseQuery(q)
			if tc.wantCode != 0 {
				var status apierrors.APIStatus
				if err == nil {
					t.Fatalf("parseQuery(%q) succeeded, want status %d", tc.query, tc.wantCode)
				}
				if !errors.As(err, &status) || status.Status().Code != tc.wantCode {
					t.Fatalf("parseQuery(%q) error = %v, want status %d", tc.query, err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseQuery(%q): %v", tc.query, err)
			}
			gotStrings := []string{got.LabelSelector.String(), got.MetricLabelSelector.String(), got.FieldSelector.String()}
			if diff := cmp.Diff([]string{tc.wantLabel, tc.wantMetric, tc.wantField}, gotStrings); diff != "" {
				t.Errorf("parseQuery(%q) selectors mismatch (-want +got):\n%s", tc.query, diff)
			}
		})
	}
}

func TestKindForGroup(t *testing.T) {
	tests := map[string]struct {
		group  string
		want   APIKind
		wantOK bool
	}{
		"default resource":   {group: "metrics.k8s.io", want: ResourceMetrics, wantOK: true},
		"default custom":     {group: "custom.metrics.k8s.io", want: CustomMetrics, wantOK: true},
		"default external":   {group: "external.metrics.k8s.io", want: ExternalMetrics, wantOK: true},
		"subdomain resource": {group: "tenant-a.metrics.k8s.io", want: ResourceMetrics, wantOK: true},
		"subdomain custom":   {group: "tenant-a.custom.metrics.k8s.io", want: CustomMetrics, wantOK: true},
		"subdomain external": {group: "tenant-a.external.metrics.k8s.io", want: ExternalMetrics, wantOK: true},
		"no dot before base": {group: "xexternal.metrics.k8s.io", want: ResourceMetrics, wantOK: true},
		"other group":        {group: "metrics.example.com"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := KindForGroup(tc.group)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("KindForGroup(%q) = %q, %v; want %q, %v", tc.group, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ext := &nopExternal{}
	tests := map[string]struct {
		cfg  Config
		want string
	}{
		"valid":          {cfg: Config{Groups: []Group{{Name: "tenant-a.external.metrics.k8s.io", ExternalMetrics: ext}}}},
		"any group name": {cfg: Config{Groups: []Group{{Name: "queues.example.com", ExternalMetrics: ext}}}},
		"no groups":      {cfg: Config{}, want: "config.groups: Required value"},
		"bad name": {
			cfg:  Config{Groups: []Group{{Name: "Tenant_A.external.metrics.k8s.io", ExternalMetrics: ext}}},
			want: `config.groups[0].name: Invalid value: "Tenant_A.external.metrics.k8s.io"`,
		},
		"no provider": {
			cfg:  Config{Groups: []Group{{Name: "external.metrics.k8s.io"}}},
			want: "set exactly one shape of provider",
		},
		"shape does not match name": {
			cfg:  Config{Groups: []Group{{Name: "tenant-a.custom.metrics.k8s.io", ExternalMetrics: ext}}},
			want: "the name says the custom metrics shape but the group has a external metrics provider",
		},
		"unknown version": {
			cfg:  Config{Groups: []Group{{Name: "external.metrics.k8s.io", ExternalMetrics: ext, Versions: []string{"v1"}}}},
			want: `config.groups[0].versions[0]: Unsupported value: "v1": supported values: "v1beta1"`,
		},
		"duplicate group": {
			cfg:  Config{Groups: []Group{{Name: "external.metrics.k8s.io", ExternalMetrics: ext}, {Name: "external.metrics.k8s.io", ExternalMetrics: ext}}},
			want: `config.groups[1].name: Duplicate value: "external.metrics.k8s.io"`,
		},
		"cert without key": {
			cfg:  Config{Groups: []Group{{Name: "external.metrics.k8s.io", ExternalMetrics: ext}}, CertPEM: []byte("x")},
			want: "certPEM and keyPEM go together",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.cfg.withDefaults().validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("validate() = %v, want no error", err)
			case tc.want != "" && err == nil:
				t.Fatalf("validate() = nil, want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("validate() = %q, want it to contain %q", err.Error(), tc.want)
			}
		})
	}
}

// nopExternal is an ExternalMetricsProvider with no metrics.
type nopExternal struct{}

func (nopExternal) GetExternalMetric(context.Context, string, labels.Selector, ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error) {
	return &external_metrics.ExternalMetricValueList{}, nil
}

func (nopExternal) ListAllExternalMetrics(context.Context) []ExternalMetricInfo { return nil }
