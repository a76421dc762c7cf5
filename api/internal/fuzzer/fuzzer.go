// Package fuzzer fills HorizontalPodAutoscalers of every version of the autoscaling.mhpa.dev
// API with random content for conversion round-trip tests, with sigs.k8s.io/randfill.
//
// The objects are the kind the API server could hold after defaulting: identifiers shaped as
// validation wants them, exactly one source per metric and the one that matches its type,
// targets that pass upstream's (loose) validation — which lets a Utilization target or an
// averageUtilization appear on any metric — positive quantities in their canonical form,
// times at second precision (JSON holds no more), unique condition types, defaulted behavior,
// and random user annotations whose keys are never in the autoscaling.mhpa.dev group (those
// are the conversion's own). Free text (messages, reasons, annotation values) is arbitrary
// UTF-8.
package fuzzer

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/randfill"

	v1 "github.com/mhpa-dev/mhpa/api/v1"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/api/v2beta1"
	"github.com/mhpa-dev/mhpa/api/v2beta2"
)

// New returns a filler that takes its randomness from data (the input of a Go fuzz target)
// and fills HorizontalPodAutoscalers of any version with Funcs.
func New(data []byte) *randfill.Filler {
	return randfill.NewFromGoFuzz(data).Funcs(Funcs()...).Funcs(EditFuncs()...)
}

// NewWithSeed is New with a pseudo-random source seeded with seed.
func NewWithSeed(seed int64) *randfill.Filler {
	return randfill.NewWithSeed(seed).Funcs(Funcs()...).Funcs(EditFuncs()...)
}

// Funcs returns the randfill custom functions for the HorizontalPodAutoscaler of each version.
func Funcs() []any {
	return []any{
		func(o *v2.HorizontalPodAutoscaler, c randfill.Continue) { *o = gen{c}.hub() },
		func(o *v2beta2.HorizontalPodAutoscaler, c randfill.Continue) { *o = gen{c}.v2beta2() },
		func(o *v2beta1.HorizontalPodAutoscaler, c randfill.Continue) { *o = gen{c}.v2beta1() },
		func(o *v1.HorizontalPodAutoscaler, c randfill.Continue) { *o = gen{c}.v1() },
	}
}

// gen draws the parts of objects from the randomness of a randfill.Continue.
type gen struct {
	c randfill.Continue
}

func (g gen) chance(p float64) bool { return g.c.Float64() < p }

func (g gen) intn(n int) int { return g.c.Intn(n) }

func (g gen) int32In(lo, hi int32) int32 { return lo + int32(g.c.Int63n(int64(hi-lo+1))) }

func oneOf[T any](g gen, values ...T) T { return values[g.intn(len(values))] }

// label is a DNS-1123 label of up to 12 characters.
func (g gen) label() string {
	const first, rest = "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789-"
	n := 1 + g.intn(12)
	b := make([]byte, n)
	b[0] = first[g.intn(len(first))]
	for i := 1; i < n; i++ {
		b[i] = rest[g.intn(len(rest))]
	}
	b[n-1] = first[g.intn(len(first))]
	return string(b)
}

// text is arbitrary UTF-8, sometimes empty, sometimes text that looks like JSON.
func (g gen) text() string {
	switch g.intn(4) {
	case 0:
		return ""
	case 1:
		return oneOf(g, `[null]`, `{"a":1}`, `"quoted"`, "line\nbreak", `<>&`, "\u00e9\u2603")
	default:
		return g.c.String(0)
	}
}

// time is a time at second precision (all that JSON holds), in UTC.
func (g gen) time() metav1.Time {
	return metav1.Unix(int64(g.c.Uint32()), 0).Rfc3339Copy()
}

func (g gen) timePtr() *metav1.Time {
	if g.chance(0.3) {
		return nil
	}
	t := g.time()
	return &t
}

// quantity is a positive quantity in one of the forms the API accepts, as it reads back from
// JSON.
func (g gen) quantity() resource.Quantity {
	n := 1 + g.c.Int63n(100000)
	var s string
	switch g.intn(6) {
	case 0:
		s = fmt.Sprintf("%d", n)
	case 1:
		s = fmt.Sprintf("%dm", n)
	case 2:
		s = fmt.Sprintf("%d%s", n, oneOf(g, "k", "M", "G"))
	case 3:
		s = fmt.Sprintf("%d%s", n, oneOf(g, "Ki", "Mi", "Gi"))
	case 4:
		s = fmt.Sprintf("%de%d", n, g.intn(5))
	default:
		s = fmt.Sprintf("%d.%03d", n, g.intn(1000))
	}
	q := resource.MustParse(s)
	// Read it back as JSON would, so that in-memory and decoded forms are the same.
	return resource.MustParse(q.String())
}

func (g gen) quantityPtr() *resource.Quantity {
	q := g.quantity()
	return &q
}

func (g gen) maybeQuantity() *resource.Quantity {
	if g.chance(0.5) {
		return nil
	}
	return g.quantityPtr()
}

func (g gen) int32Ptr(lo, hi int32) *int32 {
	v := g.int32In(lo, hi)
	return &v
}

func (g gen) maybeInt32(lo, hi int32) *int32 {
	if g.chance(0.5) {
		return nil
	}
	return g.int32Ptr(lo, hi)
}

func (g gen) objectMeta() metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Name:              g.label(),
		Namespace:         g.label(),
		UID:               types.UID(fmt.Sprintf("%x", g.c.Uint64())),
		ResourceVersion:   fmt.Sprintf("%d", g.c.Uint32()),
		Generation:        int64(g.c.Uint32()),
		CreationTimestamp: g.time(),
	}
	if n := g.intn(3); n > 0 {
		m.Labels = map[string]string{}
		for i := 0; i < n; i++ {
			m.Labels[g.label()] = g.label()
		}
	}
	if n := g.intn(5); n > 0 {
		m.Annotations = map[string]string{}
		for i := 0; i < n; i++ {
			m.Annotations[g.annotationKey()] = g.text()
		}
	}
	return m
}

// annotationKey is a user annotation key: never one of the autoscaling.mhpa.dev group, whose
// keys belong to conversion; sometimes one of upstream's autoscaling annotations, which must
// pass through untouched.
func (g gen) annotationKey() string {
	switch g.intn(4) {
	case 0:
		return g.label()
	case 1:
		return oneOf(g, "autoscaling.alpha.kubernetes.io/metrics", "autoscaling.alpha.kubernetes.io/conditions",
			"kubectl.kubernetes.io/last-applied-configuration", "mhpa.dev/metrics", "x.autoscaling.mhpa.dev/status")
	default:
		key := g.label() + ".example.com/" + g.label()
		if strings.HasPrefix(key, "autoscaling.mhpa.dev/") {
			key = "x" + key
		}
		return key
	}
}

func (g gen) selector() *metav1.LabelSelector {
	if g.chance(0.5) {
		return nil
	}
	s := &metav1.LabelSelector{}
	if g.chance(0.6) {
		s.MatchLabels = map[string]string{g.label(): g.label()}
	}
	if len(s.MatchLabels) == 0 || g.chance(0.4) {
		op := oneOf(g, metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist)
		req := metav1.LabelSelectorRequirement{Key: g.label(), Operator: op}
		if op == metav1.LabelSelectorOpIn || op == metav1.LabelSelectorOpNotIn {
			req.Values = []string{g.label()}
		}
		s.MatchExpressions = []metav1.LabelSelectorRequirement{req}
	}
	return s
}

func (g gen) resourceName() corev1.ResourceName {
	return oneOf(g, corev1.ResourceCPU, corev1.ResourceCPU, corev1.ResourceCPU, corev1.ResourceMemory, "example.com/gpu")
}

func (g gen) subdomain() string {
	if g.chance(0.6) {
		return ""
	}
	return g.label()
}

func (g gen) ref() (kind, name, apiVersion string) {
	kind = oneOf(g, "Deployment", "StatefulSet", "ReplicaSet", "Ingress", "Service")
	name = g.label()
	if g.chance(0.7) {
		apiVersion = oneOf(g, "apps/v1", "networking.k8s.io/v1", "v1", "example.com/v1alpha1")
	}
	return kind, name, apiVersion
}

// Hub (v2).

func (g gen) hub() v2.HorizontalPodAutoscaler {
	o := v2.HorizontalPodAutoscaler{ObjectMeta: g.objectMeta()}
	kind, name, apiVersion := g.ref()
	o.Spec.ScaleTargetRef = v2.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion}
	for i, n := 0, g.intn(5); i < n; i++ {
		o.Spec.Metrics = append(o.Spec.Metrics, g.hubMetric())
	}
	if g.chance(0.7) {
		o.Spec.MinReplicas = g.int32Ptr(1, 20)
		if hasObjectOrExternal(o.Spec.Metrics) && g.chance(0.3) {
			*o.Spec.MinReplicas = 0
		}
	}
	o.Spec.MaxReplicas = g.int32In(1, 20)
	if o.Spec.MinReplicas != nil && o.Spec.MaxReplicas < *o.Spec.MinReplicas {
		o.Spec.MaxReplicas = *o.Spec.MinReplicas + 1
	}
	if g.chance(0.5) {
		o.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{}
		if g.chance(0.7) {
			o.Spec.Behavior.ScaleUp = g.hubRules()
		}
		if g.chance(0.7) {
			o.Spec.Behavior.ScaleDown = g.hubRules()
		}
	}
	v2.SetDefaults_HorizontalPodAutoscaler(&o)
	o.Status = g.hubStatus()
	return o
}

// hasObjectOrExternal reports whether minReplicas may be 0: validation wants an Object or
// External metric that is not a shadow metric.
func hasObjectOrExternal(metrics []v2.MetricSpec) bool {
	for _, m := range metrics {
		if (m.Type == v2.ObjectMetricSourceType || m.Type == v2.ExternalMetricSourceType) && !m.Shadow {
			return true
		}
	}
	return false
}

// hubTarget is a target that upstream validation accepts for a source of the given type: the
// target type is free, and so are the value fields beyond what the source requires.
func (g gen) hubTarget(t v2.MetricSourceType) v2.MetricTarget {
	target := v2.MetricTarget{Type: oneOf(g, v2.UtilizationMetricType, v2.ValueMetricType, v2.AverageValueMetricType)}
	extra := g.chance(0.2) // a value field beyond the required ones
	switch t {
	case v2.ObjectMetricSourceType:
		switch g.intn(3) {
		case 0:
			target.Value = g.quantityPtr()
		case 1:
			target.AverageValue = g.quantityPtr()
		default:
			target.Value, target.AverageValue = g.quantityPtr(), g.quantityPtr()
		}
		if extra {
			target.AverageUtilization = g.int32Ptr(1, 200)
		}
	case v2.ExternalMetricSourceType:
		if g.chance(0.5) {
			target.Value = g.quantityPtr()
		} else {
			target.AverageValue = g.quantityPtr()
		}
		if extra {
			target.AverageUtilization = g.int32Ptr(1, 200)
		}
	case v2.PodsMetricSourceType:
		target.AverageValue = g.quantityPtr()
		if extra {
			if g.chance(0.5) {
				target.Value = g.quantityPtr()
			} else {
				target.AverageUtilization = g.int32Ptr(1, 200)
			}
		}
	default: // PodResource, ContainerResource
		if g.chance(0.6) {
			target.AverageUtilization = g.int32Ptr(1, 200)
		} else {
			target.AverageValue = g.quantityPtr()
		}
		if extra {
			target.Value = g.quantityPtr()
		}
	}
	if g.chance(0.8) {
		// Mostly the type that the value fields suggest, which is what users write.
		switch {
		case target.AverageUtilization != nil && (t == v2.PodResourceMetricSourceType || t == v2.ContainerResourceMetricSourceType):
			target.Type = v2.UtilizationMetricType
		case target.Value != nil && t != v2.PodsMetricSourceType:
			target.Type = v2.ValueMetricType
		case target.AverageValue != nil:
			target.Type = v2.AverageValueMetricType
		}
	}
	return target
}

func (g gen) hubMetric() v2.MetricSpec {
	t := oneOf(g, v2.PodResourceMetricSourceType, v2.PodResourceMetricSourceType, v2.ContainerResourceMetricSourceType,
		v2.PodsMetricSourceType, v2.ObjectMetricSourceType, v2.ExternalMetricSourceType)
	m := v2.MetricSpec{Type: t, Shadow: g.chance(0.2)}
	id := func() v2.MetricIdentifier { return v2.MetricIdentifier{Name: g.label(), Selector: g.selector()} }
	switch t {
	case v2.PodResourceMetricSourceType:
		m.PodResource = &v2.ResourceMetricSource{Name: g.resourceName(), Target: g.hubTarget(t), Subdomain: g.subdomain()}
	case v2.ContainerResourceMetricSourceType:
		m.ContainerResource = &v2.ContainerResourceMetricSource{Name: g.resourceName(), Target: g.hubTarget(t), Container: g.label(), Subdomain: g.subdomain()}
	case v2.PodsMetricSourceType:
		m.Pods = &v2.PodsMetricSource{Metric: id(), Target: g.hubTarget(t), Subdomain: g.subdomain()}
	case v2.ObjectMetricSourceType:
		kind, name, apiVersion := g.ref()
		m.Object = &v2.ObjectMetricSource{
			DescribedObject: v2.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion},
			Target:          g.hubTarget(t), Metric: id(), Subdomain: g.subdomain(),
		}
	case v2.ExternalMetricSourceType:
		m.External = &v2.ExternalMetricSource{Metric: id(), Target: g.hubTarget(t), Subdomain: g.subdomain()}
	}
	return m
}

func (g gen) hubRules() *v2.HPAScalingRules {
	r := &v2.HPAScalingRules{}
	if g.chance(0.5) {
		r.StabilizationWindowSeconds = g.int32Ptr(0, 3600)
	}
	if g.chance(0.5) {
		p := oneOf(g, v2.MaxChangePolicySelect, v2.MinChangePolicySelect, v2.DisabledPolicySelect)
		r.SelectPolicy = &p
	}
	if g.chance(0.6) {
		for i, n := 0, 1+g.intn(3); i < n; i++ {
			r.Policies = append(r.Policies, v2.HPAScalingPolicy{
				Type:          oneOf(g, v2.PodsScalingPolicy, v2.PercentScalingPolicy),
				Value:         g.int32In(1, 1000),
				PeriodSeconds: g.int32In(1, 1800),
			})
		}
	}
	if g.chance(0.3) {
		tol := resource.MustParse(fmt.Sprintf("%dm", g.intn(500)))
		r.Tolerance = &tol
	}
	return r
}

// hubValueStatus is a metric's current value: the controller fills what the metric type
// reports, but any combination can be stored.
func (g gen) hubValueStatus() v2.MetricValueStatus {
	return v2.MetricValueStatus{Value: g.maybeQuantity(), AverageValue: g.maybeQuantity(), AverageUtilization: g.maybeInt32(0, 300)}
}

func (g gen) hubMetricStatus() v2.MetricStatus {
	t := oneOf(g, v2.PodResourceMetricSourceType, v2.PodResourceMetricSourceType, v2.ContainerResourceMetricSourceType,
		v2.PodsMetricSourceType, v2.ObjectMetricSourceType, v2.ExternalMetricSourceType)
	s := v2.MetricStatus{Type: t, Shadow: g.chance(0.2)}
	id := func() v2.MetricIdentifier { return v2.MetricIdentifier{Name: g.label(), Selector: g.selector()} }
	switch t {
	case v2.PodResourceMetricSourceType:
		s.PodResource = &v2.ResourceMetricStatus{Name: g.resourceName(), Current: g.hubValueStatus()}
		if g.chance(0.3) {
			// What the controller writes for a CPU utilization metric alone.
			s.PodResource.Current = v2.MetricValueStatus{AverageUtilization: g.int32Ptr(0, 300)}
		}
	case v2.ContainerResourceMetricSourceType:
		s.ContainerResource = &v2.ContainerResourceMetricStatus{Name: g.resourceName(), Current: g.hubValueStatus(), Container: g.label()}
	case v2.PodsMetricSourceType:
		s.Pods = &v2.PodsMetricStatus{Metric: id(), Current: g.hubValueStatus()}
	case v2.ObjectMetricSourceType:
		kind, name, apiVersion := g.ref()
		s.Object = &v2.ObjectMetricStatus{Metric: id(), Current: g.hubValueStatus(),
			DescribedObject: v2.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion}}
	case v2.ExternalMetricSourceType:
		s.External = &v2.ExternalMetricStatus{Metric: id(), Current: g.hubValueStatus()}
	}
	return s
}

func (g gen) conditionStatus() corev1.ConditionStatus {
	return oneOf(g, corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown)
}

// conditionTypes returns distinct condition types: the list is a map keyed by type.
func (g gen) conditionTypes() []string {
	all := []string{"ScalingActive", "AbleToScale", "ScalingLimited", "ScaledToZero"}
	var out []string
	for _, t := range all {
		if g.chance(0.5) {
			out = append(out, t)
		}
	}
	return out
}

func (g gen) hubStatus() v2.HorizontalPodAutoscalerStatus {
	s := v2.HorizontalPodAutoscalerStatus{
		LastScaleTime:   g.timePtr(),
		CurrentReplicas: g.int32In(0, 50),
		DesiredReplicas: g.int32In(0, 50),
	}
	if g.chance(0.7) {
		v := int64(g.c.Uint32())
		s.ObservedGeneration = &v
	}
	switch g.intn(4) {
	case 0: // nil: never reconciled
	case 1:
		s.CurrentMetrics = []v2.MetricStatus{}
	default:
		for i, n := 0, 1+g.intn(4); i < n; i++ {
			s.CurrentMetrics = append(s.CurrentMetrics, g.hubMetricStatus())
		}
	}
	for _, t := range g.conditionTypes() {
		s.Conditions = append(s.Conditions, v2.HorizontalPodAutoscalerCondition{
			Type: v2.HorizontalPodAutoscalerConditionType(t), Status: g.conditionStatus(),
			LastTransitionTime: oneOf(g, metav1.Time{}, g.time()), Reason: g.text(), Message: g.text(),
		})
	}
	if g.chance(0.5) {
		s.Reference = "Deployment/" + g.label()
	}
	if g.chance(0.5) {
		s.Targets = oneOf(g, "<unknown>/80%", "cpu: 50%/80%", g.text())
	}
	if g.chance(0.4) {
		d := &v2.ScalingDecision{
			Time: g.time(), CurrentReplicas: g.int32In(0, 50), DesiredReplicas: g.int32In(0, 50),
			Recommendation: g.int32In(0, 50), Limit: oneOf(g, "", "ScaleDownStabilized", "ScaleUpLimit", "TooManyReplicas"),
			Message: g.text(),
		}
		if g.chance(0.5) {
			d.SelectedMetric = g.int32Ptr(0, 4)
		}
		for i, n := 0, g.intn(3); i < n; i++ {
			p := v2.MetricProposal{Name: "pods/" + g.label(), Shadow: g.chance(0.3)}
			if g.chance(0.7) {
				p.Replicas = g.int32Ptr(0, 50)
			} else {
				p.Error = g.text()
			}
			d.Metrics = append(d.Metrics, p)
		}
		s.LastDecision = d
	}
	if g.chance(0.4) {
		h := &v2.ScalingHistory{}
		timed := func() []v2.TimedReplicas {
			var out []v2.TimedReplicas
			for i, n := 0, g.intn(3); i < n; i++ {
				out = append(out, v2.TimedReplicas{Time: g.time(), Replicas: g.int32In(0, 50)})
			}
			return out
		}
		h.Recommendations, h.ScaleUpEvents, h.ScaleDownEvents = timed(), timed(), timed()
		s.History = h
	}
	if g.chance(0.3) {
		for i, n := 0, 1+g.intn(2); i < n; i++ {
			s.ShadowComparisons = append(s.ShadowComparisons, g.shadowComparison())
		}
	}
	return s
}

// shadowComparison is a status.shadowComparisons entry.
func (g gen) shadowComparison() v2.ShadowComparison {
	c := v2.ShadowComparison{
		ShadowMetric: g.int32In(0, 4), ActiveMetric: g.int32In(0, 4),
		ShadowName: "external/" + g.label() + "@" + g.label(), ActiveName: "external/" + g.label(),
		Since:         g.time(),
		AgreedSeconds: int64(g.c.Uint32()), DisagreedSeconds: int64(g.intn(100000)), FailedSeconds: int64(g.intn(1000)),
		Disagreements: g.int32In(0, 50),
	}
	for i, n := 0, g.intn(4); i < n; i++ {
		c.Runs = append(c.Runs, v2.ShadowRun{Time: g.time(), Outcome: oneOf(g, v2.ShadowAgree, v2.ShadowDisagree, v2.ShadowFailed)})
	}
	if g.chance(0.5) {
		c.LastDisagreement = &v2.ShadowDisagreement{Time: g.time(), ActiveReplicas: g.int32In(0, 50), ShadowReplicas: g.int32In(0, 50)}
	}
	return c
}

// v2beta2.

func (g gen) v2beta2() v2beta2.HorizontalPodAutoscaler {
	// Draw a hub object and rename it by hand: the v2beta2 shape is the v2 shape without
	// subdomains, shadow flags, tolerances and mhpa's own status fields.
	h := g.hub()
	o := v2beta2.HorizontalPodAutoscaler{ObjectMeta: h.ObjectMeta}
	o.Spec.ScaleTargetRef = v2beta2.CrossVersionObjectReference(h.Spec.ScaleTargetRef)
	o.Spec.MinReplicas = h.Spec.MinReplicas
	o.Spec.MaxReplicas = h.Spec.MaxReplicas
	for _, m := range h.Spec.Metrics {
		o.Spec.Metrics = append(o.Spec.Metrics, v2beta2MetricSpec(m))
	}
	if b := h.Spec.Behavior; b != nil {
		o.Spec.Behavior = &v2beta2.HorizontalPodAutoscalerBehavior{ScaleUp: v2beta2Rules(b.ScaleUp), ScaleDown: v2beta2Rules(b.ScaleDown)}
	}
	o.Status = v2beta2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: h.Status.ObservedGeneration,
		LastScaleTime:      h.Status.LastScaleTime,
		CurrentReplicas:    h.Status.CurrentReplicas,
		DesiredReplicas:    h.Status.DesiredReplicas,
	}
	if h.Status.CurrentMetrics != nil {
		o.Status.CurrentMetrics = []v2beta2.MetricStatus{}
		for _, s := range h.Status.CurrentMetrics {
			o.Status.CurrentMetrics = append(o.Status.CurrentMetrics, v2beta2MetricStatus(s))
		}
	}
	// Conditions are absent or non-empty, never an empty list: v2 (the storage version, like
	// upstream autoscaling/v2) omits an empty conditions list, so the API server never holds
	// one and a v2beta2 client reads an empty list back as absent.
	for _, c := range h.Status.Conditions {
		o.Status.Conditions = append(o.Status.Conditions, v2beta2.HorizontalPodAutoscalerCondition{
			Type: v2beta2.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return o
}

func v2beta2Type(t v2.MetricSourceType) v2beta2.MetricSourceType {
	if t == v2.PodResourceMetricSourceType {
		return v2beta2.ResourceMetricSourceType
	}
	return v2beta2.MetricSourceType(t)
}

func v2beta2Target(t v2.MetricTarget) v2beta2.MetricTarget {
	return v2beta2.MetricTarget{Type: v2beta2.MetricTargetType(t.Type), Value: t.Value, AverageValue: t.AverageValue, AverageUtilization: t.AverageUtilization}
}

func v2beta2ID(id v2.MetricIdentifier) v2beta2.MetricIdentifier {
	return v2beta2.MetricIdentifier{Name: id.Name, Selector: id.Selector}
}

func v2beta2MetricSpec(m v2.MetricSpec) v2beta2.MetricSpec {
	out := v2beta2.MetricSpec{Type: v2beta2Type(m.Type)}
	switch {
	case m.PodResource != nil:
		out.Resource = &v2beta2.ResourceMetricSource{Name: m.PodResource.Name, Target: v2beta2Target(m.PodResource.Target)}
	case m.ContainerResource != nil:
		out.ContainerResource = &v2beta2.ContainerResourceMetricSource{Name: m.ContainerResource.Name,
			Target: v2beta2Target(m.ContainerResource.Target), Container: m.ContainerResource.Container}
	case m.Pods != nil:
		out.Pods = &v2beta2.PodsMetricSource{Metric: v2beta2ID(m.Pods.Metric), Target: v2beta2Target(m.Pods.Target)}
	case m.Object != nil:
		out.Object = &v2beta2.ObjectMetricSource{DescribedObject: v2beta2.CrossVersionObjectReference(m.Object.DescribedObject),
			Target: v2beta2Target(m.Object.Target), Metric: v2beta2ID(m.Object.Metric)}
	case m.External != nil:
		out.External = &v2beta2.ExternalMetricSource{Metric: v2beta2ID(m.External.Metric), Target: v2beta2Target(m.External.Target)}
	}
	return out
}

func v2beta2Value(v v2.MetricValueStatus) v2beta2.MetricValueStatus {
	return v2beta2.MetricValueStatus{Value: v.Value, AverageValue: v.AverageValue, AverageUtilization: v.AverageUtilization}
}

func v2beta2MetricStatus(s v2.MetricStatus) v2beta2.MetricStatus {
	out := v2beta2.MetricStatus{Type: v2beta2Type(s.Type)}
	switch {
	case s.PodResource != nil:
		out.Resource = &v2beta2.ResourceMetricStatus{Name: s.PodResource.Name, Current: v2beta2Value(s.PodResource.Current)}
	case s.ContainerResource != nil:
		out.ContainerResource = &v2beta2.ContainerResourceMetricStatus{Name: s.ContainerResource.Name,
			Current: v2beta2Value(s.ContainerResource.Current), Container: s.ContainerResource.Container}
	case s.Pods != nil:
		out.Pods = &v2beta2.PodsMetricStatus{Metric: v2beta2ID(s.Pods.Metric), Current: v2beta2Value(s.Pods.Current)}
	case s.Object != nil:
		out.Object = &v2beta2.ObjectMetricStatus{Metric: v2beta2ID(s.Object.Metric), Current: v2beta2Value(s.Object.Current),
			DescribedObject: v2beta2.CrossVersionObjectReference(s.Object.DescribedObject)}
	case s.External != nil:
		out.External = &v2beta2.ExternalMetricStatus{Metric: v2beta2ID(s.External.Metric), Current: v2beta2Value(s.External.Current)}
	}
	return out
}

func v2beta2Rules(r *v2.HPAScalingRules) *v2beta2.HPAScalingRules {
	if r == nil {
		return nil
	}
	out := &v2beta2.HPAScalingRules{StabilizationWindowSeconds: r.StabilizationWindowSeconds}
	if r.SelectPolicy != nil {
		p := map[v2.ScalingPolicySelect]v2beta2.ScalingPolicySelect{
			v2.MaxChangePolicySelect: v2beta2.MaxPolicySelect,
			v2.MinChangePolicySelect: v2beta2.MinPolicySelect,
			v2.DisabledPolicySelect:  v2beta2.DisabledPolicySelect,
		}[*r.SelectPolicy]
		out.SelectPolicy = &p
	}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, v2beta2.HPAScalingPolicy{Type: v2beta2.HPAScalingPolicyType(p.Type), Value: p.Value, PeriodSeconds: p.PeriodSeconds})
	}
	return out
}

// v2beta1.

func (g gen) v2beta1() v2beta1.HorizontalPodAutoscaler {
	o := v2beta1.HorizontalPodAutoscaler{ObjectMeta: g.objectMeta()}
	kind, name, apiVersion := g.ref()
	o.Spec.ScaleTargetRef = v2beta1.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion}
	for i, n := 0, 1+g.intn(4); i < n; i++ {
		o.Spec.Metrics = append(o.Spec.Metrics, g.v2beta1Metric())
	}
	o.Spec.MinReplicas = g.int32Ptr(1, 20)
	o.Spec.MaxReplicas = g.int32In(*o.Spec.MinReplicas, 30)
	h := g.hubStatus()
	o.Status = v2beta1.HorizontalPodAutoscalerStatus{
		ObservedGeneration: h.ObservedGeneration,
		LastScaleTime:      h.LastScaleTime,
		CurrentReplicas:    h.CurrentReplicas,
		DesiredReplicas:    h.DesiredReplicas,
	}
	switch g.intn(3) {
	case 0:
	case 1:
		o.Status.CurrentMetrics = []v2beta1.MetricStatus{}
	default:
		for i, n := 0, 1+g.intn(4); i < n; i++ {
			o.Status.CurrentMetrics = append(o.Status.CurrentMetrics, g.v2beta1MetricStatus())
		}
	}
	// Absent or non-empty conditions only; see v2beta2.
	for _, c := range h.Conditions {
		o.Status.Conditions = append(o.Status.Conditions, v2beta1.HorizontalPodAutoscalerCondition{
			Type: v2beta1.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return o
}

func (g gen) v2beta1Metric() v2beta1.MetricSpec {
	t := oneOf(g, v2beta1.ResourceMetricSourceType, v2beta1.ContainerResourceMetricSourceType,
		v2beta1.PodsMetricSourceType, v2beta1.ObjectMetricSourceType, v2beta1.ExternalMetricSourceType)
	m := v2beta1.MetricSpec{Type: t}
	utilizationOrValue := func() (*int32, *resource.Quantity) {
		if g.chance(0.6) {
			return g.int32Ptr(1, 200), nil
		}
		return nil, g.quantityPtr()
	}
	switch t {
	case v2beta1.ResourceMetricSourceType:
		u, v := utilizationOrValue()
		m.Resource = &v2beta1.ResourceMetricSource{Name: g.resourceName(), TargetAverageUtilization: u, TargetAverageValue: v}
	case v2beta1.ContainerResourceMetricSourceType:
		u, v := utilizationOrValue()
		m.ContainerResource = &v2beta1.ContainerResourceMetricSource{Name: g.resourceName(), TargetAverageUtilization: u,
			TargetAverageValue: v, Container: g.label()}
	case v2beta1.PodsMetricSourceType:
		m.Pods = &v2beta1.PodsMetricSource{MetricName: g.label(), TargetAverageValue: g.quantity(), Selector: g.selector()}
	case v2beta1.ObjectMetricSourceType:
		kind, name, apiVersion := g.ref()
		o := &v2beta1.ObjectMetricSource{Target: v2beta1.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion},
			MetricName: g.label(), Selector: g.selector()}
		switch g.intn(3) {
		case 0:
			o.TargetValue = g.quantity()
		case 1:
			o.AverageValue = g.quantityPtr() // targetValue left out: reads as 0
		default:
			o.TargetValue, o.AverageValue = g.quantity(), g.quantityPtr()
		}
		m.Object = o
	case v2beta1.ExternalMetricSourceType:
		e := &v2beta1.ExternalMetricSource{MetricName: g.label(), MetricSelector: g.selector()}
		if g.chance(0.5) {
			e.TargetValue = g.quantityPtr()
		} else {
			e.TargetAverageValue = g.quantityPtr()
		}
		m.External = e
	}
	return m
}

func (g gen) v2beta1MetricStatus() v2beta1.MetricStatus {
	t := oneOf(g, v2beta1.ResourceMetricSourceType, v2beta1.ContainerResourceMetricSourceType,
		v2beta1.PodsMetricSourceType, v2beta1.ObjectMetricSourceType, v2beta1.ExternalMetricSourceType)
	s := v2beta1.MetricStatus{Type: t}
	switch t {
	case v2beta1.ResourceMetricSourceType:
		s.Resource = &v2beta1.ResourceMetricStatus{Name: g.resourceName(), CurrentAverageUtilization: g.maybeInt32(0, 300),
			CurrentAverageValue: g.quantity()}
	case v2beta1.ContainerResourceMetricSourceType:
		s.ContainerResource = &v2beta1.ContainerResourceMetricStatus{Name: g.resourceName(),
			CurrentAverageUtilization: g.maybeInt32(0, 300), CurrentAverageValue: g.quantity(), Container: g.label()}
	case v2beta1.PodsMetricSourceType:
		s.Pods = &v2beta1.PodsMetricStatus{MetricName: g.label(), CurrentAverageValue: g.quantity(), Selector: g.selector()}
	case v2beta1.ObjectMetricSourceType:
		kind, name, apiVersion := g.ref()
		s.Object = &v2beta1.ObjectMetricStatus{Target: v2beta1.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion},
			MetricName: g.label(), CurrentValue: g.quantity(), Selector: g.selector(), AverageValue: g.maybeQuantity()}
	case v2beta1.ExternalMetricSourceType:
		s.External = &v2beta1.ExternalMetricStatus{MetricName: g.label(), MetricSelector: g.selector(),
			CurrentValue: g.quantity(), CurrentAverageValue: g.maybeQuantity()}
	}
	return s
}

// v1.

func (g gen) v1() v1.HorizontalPodAutoscaler {
	o := v1.HorizontalPodAutoscaler{ObjectMeta: g.objectMeta()}
	kind, name, apiVersion := g.ref()
	o.Spec.ScaleTargetRef = v1.CrossVersionObjectReference{Kind: kind, Name: name, APIVersion: apiVersion}
	o.Spec.MinReplicas = g.int32Ptr(1, 20)
	o.Spec.MaxReplicas = g.int32In(*o.Spec.MinReplicas, 30)
	// Defaulting gives every v1 object without other metrics a target; one that a client sent
	// without it converts the same way, so both are drawn.
	if g.chance(0.9) {
		o.Spec.TargetCPUUtilizationPercentage = g.int32Ptr(1, 200)
	}
	o.Status = v1.HorizontalPodAutoscalerStatus{
		LastScaleTime:                   g.timePtr(),
		CurrentReplicas:                 g.int32In(0, 50),
		DesiredReplicas:                 g.int32In(0, 50),
		CurrentCPUUtilizationPercentage: g.maybeInt32(0, 300),
	}
	if g.chance(0.7) {
		v := int64(g.c.Uint32())
		o.Status.ObservedGeneration = &v
	}
	return o
}

// Edits of objects read in an older version, as a client makes them before writing back: it
// changes the version's own fields and leaves the round-trip annotations as they were read.

// editV1 marks a v1 object for EditFuncs.
type editV1 struct{ o *v1.HorizontalPodAutoscaler }

// editV2beta1 marks a v2beta1 object for EditFuncs.
type editV2beta1 struct {
	o *v2beta1.HorizontalPodAutoscaler
}

// editV2beta2 marks a v2beta2 object for EditFuncs.
type editV2beta2 struct {
	o *v2beta2.HorizontalPodAutoscaler
}

// Edit changes, at random, fields of obj (a v1, v2beta1 or v2beta2 HorizontalPodAutoscaler)
// the way a client of that version may, without touching its annotations or the length of
// its lists (which the aligned annotations would then no longer fit). A v1 target is changed
// or added, never removed: removing it lets the next CPU metric of v2, if any, take its place.
func Edit(f *randfill.Filler, obj any) {
	switch o := obj.(type) {
	case *v1.HorizontalPodAutoscaler:
		f.Fill(&editV1{o})
	case *v2beta1.HorizontalPodAutoscaler:
		f.Fill(&editV2beta1{o})
	case *v2beta2.HorizontalPodAutoscaler:
		f.Fill(&editV2beta2{o})
	default:
		panic(fmt.Sprintf("fuzzer.Edit: unsupported %T", obj))
	}
}

// EditFuncs returns the randfill custom functions that Edit uses.
func EditFuncs() []any {
	return []any{
		func(e *editV1, c randfill.Continue) { gen{c}.editV1(e.o) },
		func(e *editV2beta1, c randfill.Continue) { gen{c}.editV2beta1(e.o) },
		func(e *editV2beta2, c randfill.Continue) { gen{c}.editV2beta2(e.o) },
	}
}

func (g gen) editV1(o *v1.HorizontalPodAutoscaler) {
	if g.chance(0.7) {
		o.Spec.TargetCPUUtilizationPercentage = g.int32Ptr(1, 200)
	}
	if g.chance(0.5) {
		o.Status.CurrentCPUUtilizationPercentage = g.int32Ptr(0, 300)
	}
	if g.chance(0.3) {
		o.Spec.MaxReplicas = g.int32In(1, 50)
	}
}

func (g gen) editV2beta1(o *v2beta1.HorizontalPodAutoscaler) {
	for i := range o.Spec.Metrics {
		if g.chance(0.4) {
			o.Spec.Metrics[i] = g.v2beta1Metric()
		}
	}
	for i := range o.Status.CurrentMetrics {
		if g.chance(0.4) {
			o.Status.CurrentMetrics[i] = g.v2beta1MetricStatus()
		}
	}
}

func (g gen) editV2beta2(o *v2beta2.HorizontalPodAutoscaler) {
	for i := range o.Spec.Metrics {
		if g.chance(0.4) {
			o.Spec.Metrics[i] = v2beta2MetricSpec(g.hubMetric())
		}
	}
	for i := range o.Status.CurrentMetrics {
		if g.chance(0.4) {
			o.Status.CurrentMetrics[i] = v2beta2MetricStatus(g.hubMetricStatus())
		}
	}
	if b := o.Spec.Behavior; b != nil {
		switch g.intn(4) {
		case 0:
			b.ScaleUp = nil
		case 1:
			b.ScaleDown = nil
		case 2:
			if b.ScaleUp != nil {
				b.ScaleUp.StabilizationWindowSeconds = g.int32Ptr(0, 3600)
			}
		}
	}
}
