package explain

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/replicas"
	"github.com/mhpa-dev/mhpa/internal/shadow"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// step is one sync of the controller: the target's replica count and each metric's data.
type step struct {
	at       time.Duration
	replicas int32
	pods     int
	data     []decision.MetricData
}

// run makes the decisions of steps with the controller's decision code and writes their
// outcome into hpa's status and events as the controller does, so that the fixtures hold what
// the controller would record.
func run(hpa *v2.HorizontalPodAutoscaler, cfg decision.Config, steps []step) []corev1.Event {
	v2.SetDefaults_HorizontalPodAutoscaler(hpa)
	var events []corev1.Event
	var lastRec time.Time
	for _, s := range steps {
		now := t0.Add(s.at)
		pods := make([]replicas.Pod, s.pods)
		for i := range pods {
			pods[i] = replicas.Pod{Name: podName(i), Phase: corev1.PodRunning, StartTime: t0.Add(-time.Hour), Ready: corev1.ConditionTrue,
				ReadyTransition: t0.Add(-time.Hour)}
		}
		d := decision.Decide(decision.Input{
			Now: now, Config: cfg, Spec: &hpa.Spec, SpecReplicas: s.replicas, StatusReplicas: s.replicas,
			LastDesiredReplicas: hpa.Status.DesiredReplicas, Pods: pods, Metrics: s.data,
			History: behavior.FromAPI(hpa.Status.History), LastRecommendationTime: lastRec,
		})
		lastRec = d.LastRecommendationTime
		nowTime := metav1.NewTime(now)
		st := &hpa.Status
		st.ObservedGeneration = ptr.To(hpa.Generation)
		st.CurrentReplicas, st.DesiredReplicas = d.CurrentReplicas, d.DesiredReplicas
		if d.Scale {
			st.LastScaleTime = &nowTime
		}
		conditions := d.Conditions
		sh := shadow.Observe(shadow.Input{Now: now, Metrics: hpa.Spec.Metrics, Results: d.Metrics, Previous: st.ShadowComparisons})
		st.ShadowComparisons = sh.Comparisons
		if sh.Condition != nil {
			conditions = append(conditions, *sh.Condition)
		}
		st.CurrentMetrics = d.CurrentMetrics()
		st.Conditions = decision.ApplyConditions(st.Conditions, conditions, nowTime)
		st.History = d.History.API()
		last := d.ScalingDecision(nowTime)
		st.LastDecision = &last
		for _, e := range d.Events {
			events = addEvent(events, e, now)
		}
	}
	return events
}

// addEvent records an event as the event recorder does: a repeated one counts up.
func addEvent(events []corev1.Event, e decision.Event, at time.Time) []corev1.Event {
	for i := range events {
		if events[i].Reason == e.Reason && events[i].Message == e.Message && events[i].Type == e.Type {
			events[i].Count++
			events[i].LastTimestamp = metav1.NewTime(at)
			return events
		}
	}
	return append(events, corev1.Event{
		Type: e.Type, Reason: e.Reason, Message: e.Message, Count: 1,
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at),
		Source: corev1.EventSource{Component: "mhpa-controller"},
	})
}

func podName(i int) string { return "worker-" + string(rune('a'+i)) }

func external(name, subdomain string, target v2.MetricTarget) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Subdomain: subdomain,
		Metric:    v2.MetricIdentifier{Name: name, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "orders"}}},
		Target:    target,
	}}
}

func averageValue(q string) v2.MetricTarget {
	return v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(q))}
}

func newHPA(name string, minReplicas, maxReplicas int32, metrics ...v2.MetricSpec) *v2.HorizontalPodAutoscaler {
	return &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Generation: 1, CreationTimestamp: metav1.NewTime(t0.Add(-2 * time.Hour)),
			Labels: map[string]string{"team": "orders"}},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MinReplicas:    ptr.To(minReplicas), MaxReplicas: maxReplicas, Metrics: metrics,
		},
	}
}

func values(milli ...int64) []int64 { return milli }

func podValues(n int, milli int64) []replicas.PodMetric {
	out := make([]replicas.PodMetric, n)
	for i := range out {
		out[i] = replicas.PodMetric{Pod: podName(i), MilliValue: milli, Timestamp: t0, Window: time.Minute}
	}
	return out
}

// TestDescribe compares descriptions with golden files (testdata/<name>.golden; -update
// rewrites them). Each fixture's status comes from the controller's decision code.
func TestDescribe(t *testing.T) {
	errNotServed := errors.New(`unable to get external metric shop/queue_length/&LabelSelector{MatchLabels:map[string]string{queue: orders,},MatchExpressions:[]LabelSelectorRequirement{},}: the metrics API group keda.external.metrics.k8s.io is not served`)
	tests := map[string]func() Input{
		// Three external and object metrics from two subdomains and the default group, a
		// shadow metric that agreed and then failed, a behavior whose scale-up policy limits
		// the second step.
		"subdomains-scale-up-limit": func() Input {
			hpa := newHPA("worker", 1, 20,
				external("queue_length", "tenant-a", averageValue("10")),
				v2.MetricSpec{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricSource{
					DescribedObject: v2.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "frontend"},
					Metric:          v2.MetricIdentifier{Name: "requests_per_second"},
					Target:          v2.MetricTarget{Type: v2.ValueMetricType, Value: ptr.To(resource.MustParse("100"))},
				}},
				func() v2.MetricSpec {
					m := external("queue_length", "keda", averageValue("10"))
					m.Shadow = true
					return m
				}(),
			)
			hpa.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &v2.HPAScalingRules{Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 4, PeriodSeconds: 60}}},
			}
			events := run(hpa, decision.DefaultConfig(), []step{
				{at: 0, replicas: 3, pods: 3, data: []decision.MetricData{{Values: values(120000)}, {Value: 150000}, {Values: values(120000)}}},
				{at: 15 * time.Second, replicas: 7, pods: 7, data: []decision.MetricData{{Values: values(150000)}, {Value: 160000}, {Err: errNotServed}}},
				{at: 30 * time.Second, replicas: 7, pods: 7, data: []decision.MetricData{{Values: values(150000)}, {Value: 160000}, {Err: errNotServed}}},
			})
			return Input{HPA: hpa, Events: events, Now: t0.Add(45 * time.Second)}
		},
		// A pods metric without a behavior: the legacy scale-down window holds the count up.
		"legacy-scale-down-window": func() Input {
			hpa := newHPA("api", 2, 10, v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
				Metric: v2.MetricIdentifier{Name: "requests_per_second"}, Target: averageValue("100"),
			}})
			events := run(hpa, decision.DefaultConfig(), []step{
				{at: 0, replicas: 5, pods: 5, data: []decision.MetricData{{PodMetrics: podValues(5, 100000)}}},
				{at: time.Minute, replicas: 5, pods: 5, data: []decision.MetricData{{PodMetrics: podValues(5, 40000)}}},
			})
			return Input{HPA: hpa, Events: events, Now: t0.Add(70 * time.Second)}
		},
		// An autoscaler the controller has not reconciled yet.
		"new": func() Input {
			hpa := newHPA("web", 1, 10, v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To[int32](70)},
			}})
			v2.SetDefaults_HorizontalPodAutoscaler(hpa)
			return Input{HPA: hpa, Now: t0}
		},
	}
	for name, fixture := range tests {
		t.Run(name, func(t *testing.T) {
			got := Describe(fixture())
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/explain -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("describe %s (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestDescribeShowsTheControllersWords checks that what the controller recorded appears as it
// is: the decision's message, each proposal's error and each condition's message.
func TestDescribeShowsTheControllersWords(t *testing.T) {
	hpa := newHPA("worker", 1, 20, external("queue_length", "tenant-a", averageValue("10")))
	run(hpa, decision.DefaultConfig(), []step{
		{at: 0, replicas: 3, pods: 3, data: []decision.MetricData{{Err: errors.New("the metrics API group tenant-a.external.metrics.k8s.io is not served")}}},
	})
	out := Describe(Input{HPA: hpa, Now: t0})
	for _, want := range []string{hpa.Status.LastDecision.Message, hpa.Status.LastDecision.Metrics[0].Error} {
		if want == "" || !contains(out, want) {
			t.Errorf("the description lacks %q:\n%s", want, out)
		}
	}
	for _, c := range hpa.Status.Conditions {
		if !contains(out, c.Message) {
			t.Errorf("the description lacks the %s condition's message %q", c.Type, c.Message)
		}
	}
	if !contains(out, "tenant-a.external.metrics.k8s.io") {
		t.Errorf("the description does not name the metric's API group:\n%s", out)
	}
}

func contains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }
