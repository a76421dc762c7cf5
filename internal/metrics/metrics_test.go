package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

func TestGroupName(t *testing.T) {
	cases := map[string]struct {
		api       API
		subdomain string
		want      string
	}{
		"resource, default":  {ResourceAPI, "", "metrics.k8s.io"},
		"resource, tenant":   {ResourceAPI, "tenant-a", "tenant-a.metrics.k8s.io"},
		"custom, default":    {CustomAPI, "", "custom.metrics.k8s.io"},
		"custom, tenant":     {CustomAPI, "tenant-a", "tenant-a.custom.metrics.k8s.io"},
		"external, default":  {ExternalAPI, "", "external.metrics.k8s.io"},
		"external, tenant-x": {ExternalAPI, "tenant-x", "tenant-x.external.metrics.k8s.io"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, GroupName(tc.api, tc.subdomain)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSubdomain(t *testing.T) {
	cases := map[string]struct {
		api       API
		subdomain string
		want      string
	}{
		"empty is the default group": {ExternalAPI, "", ""},
		"a DNS label":                {ExternalAPI, "tenant-a", ""},
		"upper case":                 {ExternalAPI, "Tenant", `subdomain: Invalid value: "Tenant": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		"a dot":                      {CustomAPI, "a.b", `subdomain: Invalid value: "a.b": must not contain dots`},
		"custom for resource metrics": {ResourceAPI, "custom",
			`subdomain: Invalid value: "custom": for the resource metrics API it names group custom.metrics.k8s.io, which is the custom metrics API; choose another subdomain`},
		"external for resource metrics": {ResourceAPI, "external",
			`subdomain: Invalid value: "external": for the resource metrics API it names group external.metrics.k8s.io, which is the external metrics API; choose another subdomain`},
		"custom for external metrics is its own group": {ExternalAPI, "custom", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ""
			if err := ValidateSubdomain(tc.api, tc.subdomain); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorTexts(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)
	cases := map[string]struct {
		err  error
		want string
	}{
		"not served, subdomain": {&GroupNotServedError{Subdomain: "tenant-x", Group: "tenant-x.external.metrics.k8s.io"},
			`subdomain "tenant-x": API group tenant-x.external.metrics.k8s.io is not served`},
		"not served, default": {&GroupNotServedError{Group: "external.metrics.k8s.io"},
			`API group external.metrics.k8s.io is not served`},
		"no supported version": {&NoSupportedVersionError{Group: "custom.metrics.k8s.io", Served: []string{"v1alpha1"}, Supported: []string{"v1beta2", "v1beta1"}},
			`API group custom.metrics.k8s.io is served in versions [v1alpha1], none of which is supported (supported: [v1beta2 v1beta1])`},
		"circuit open": {&CircuitOpenError{Subdomain: "a", Group: "a.metrics.k8s.io", Failures: 5, RetryAt: at},
			`subdomain "a": API group a.metrics.k8s.io: circuit breaker open after 5 consecutive failures, requests fail fast until 2026-03-01T12:00:30Z`},
		"circuit half-open": {&CircuitOpenError{Group: "metrics.k8s.io", Failures: 5},
			`API group metrics.k8s.io: circuit breaker half-open after 5 consecutive failures, a probe request is in flight`},
		"no slot": {&ConcurrencyLimitError{Group: "metrics.k8s.io", Limit: 8, Waited: 1234567 * time.Microsecond},
			`API group metrics.k8s.io: all 8 request slots are busy, none freed within 1.235s`},
		"timeout": {&RequestTimeoutError{Subdomain: "b", Group: "b.custom.metrics.k8s.io", Timeout: 5 * time.Second},
			`subdomain "b": API group b.custom.metrics.k8s.io: request timed out after 5s`},
		"other": {&GroupError{Group: "custom.metrics.k8s.io", Err: errors.New("boom")},
			`API group custom.metrics.k8s.io: boom`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if !errors.Is(&RequestTimeoutError{}, context.DeadlineExceeded) {
		t.Error("a RequestTimeoutError should be context.DeadlineExceeded")
	}
	if !errors.Is(&GroupError{Err: ErrNoMetrics}, ErrNoMetrics) {
		t.Error("a GroupError should unwrap to its error")
	}
}

func TestResourceValues(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	t1 := t0.Add(-15 * time.Second)
	usage := func(name string, cpu, mem string) metricsv1beta1.ContainerMetrics {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return metricsv1beta1.ContainerMetrics{Name: name, Usage: l}
	}
	pod := func(name string, ts time.Time, cs ...metricsv1beta1.ContainerMetrics) metricsv1beta1.PodMetrics {
		return metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: name}, Timestamp: metav1.NewTime(ts),
			Window: metav1.Duration{Duration: time.Minute}, Containers: cs}
	}
	items := []metricsv1beta1.PodMetrics{
		pod("a", t0, usage("app", "300m", "1Gi"), usage("side", "20m", "")),
		pod("b", t1, usage("app", "100m", "512Mi")),
		pod("c", t0),
	}
	v := func(milli int64, ts time.Time) PodValue {
		return PodValue{MilliValue: milli, Timestamp: ts, Window: time.Minute}
	}
	cases := map[string]struct {
		resource  corev1.ResourceName
		container string
		want      PodValues
	}{
		"cpu summed over containers": {corev1.ResourceCPU, "", PodValues{Timestamp: t1, Values: map[string]PodValue{
			"a": v(320, t0), "b": v(100, t1)}}},
		"memory: a pod with a container lacking it has no value": {corev1.ResourceMemory, "", PodValues{Timestamp: t1, Values: map[string]PodValue{
			"b": v(512*1024*1024*1000, t1)}}},
		"one container": {corev1.ResourceCPU, "side", PodValues{Timestamp: t1, Values: map[string]PodValue{
			"a": v(20, t0)}}},
		"one container lacking the resource": {corev1.ResourceMemory, "side", PodValues{Timestamp: t1, Values: map[string]PodValue{}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ResourceValues(items, tc.resource, tc.container)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
